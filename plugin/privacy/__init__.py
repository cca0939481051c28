"""Privacy: the consent ledger, the personal-data registry, data exports, erasure and their audit trail."""

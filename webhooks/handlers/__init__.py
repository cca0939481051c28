"""Event handlers. Each is idempotent: the pipeline delivers at least once."""

"""BigCommerce adapter tests, against the in-memory dev store emulator."""

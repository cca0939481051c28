"""Dev store emulators: in-memory stand-ins for the platforms, for `upfront dev` and tests."""

"""Project-level tests (outside the apps)."""

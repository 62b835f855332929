"""The version, in one place (pyproject.toml agrees; a test checks)."""

__version__ = "0.1.0"

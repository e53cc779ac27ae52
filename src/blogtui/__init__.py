"""blogtui: read whole blogs offline in the terminal."""

__version__ = "0.1.0"

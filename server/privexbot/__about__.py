"""Version of the PrivexBot server (the namespace package ``privexbot`` has no __init__)."""

__version__ = "0.1.0"

"""Hotseat: a practice gym for hard customer conversations."""

__version__ = "0.1.0"

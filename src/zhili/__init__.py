"""Zhili (治理): a platform for municipal social governance."""

__version__ = "0.1.0"

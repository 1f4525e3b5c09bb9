"""Chaff: a streaming worker that keeps the article and rejects the chaff."""

__version__ = "0.1.0"

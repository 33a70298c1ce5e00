"""Strawberry types, one module per domain, and the root Query."""

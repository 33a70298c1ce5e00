"""Adapters: one module per upstream protocol, each mapping protocol payloads to neutral records."""

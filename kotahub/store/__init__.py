"""Where the hub keeps things: its Redis connection, the upstream cache and its generations."""

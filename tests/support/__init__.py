"""Real servers for the tests: a private Redis, the reference upstreams on a socket, the hub."""

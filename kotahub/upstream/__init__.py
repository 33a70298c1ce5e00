"""Reaching the upstream sources: one client; each call with deadline, retries, breaker, cache."""

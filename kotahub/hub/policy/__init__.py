"""What the door allows: API keys, rate limits, persisted queries and the limits of a query."""

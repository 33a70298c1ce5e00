"""KotaHub: one GraphQL endpoint for a city's information."""

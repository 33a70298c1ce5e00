"""The pages beside /graphql: probes, metrics and the GraphiQL playground with its examples."""

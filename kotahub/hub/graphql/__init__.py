"""The /graphql endpoint: its gate, the whole-response cache, the view, each request's outcome."""

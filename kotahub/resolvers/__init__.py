"""Query logic between the schema and the adapters: loaders, filters, paging."""

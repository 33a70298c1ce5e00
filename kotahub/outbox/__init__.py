"""The complaint outbox: submissions kept in Redis and delivered to their source by a worker."""

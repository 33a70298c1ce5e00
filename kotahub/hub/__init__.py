"""The HTTP edge and the shared plumbing: settings, errors, cache and the source client."""

"""The HTTP edge and its wiring: the app, its long-lived parts, settings, worker, source check."""

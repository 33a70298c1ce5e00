"""Live updates at the edge: subscriptions over WebSocket and SSE, their limits and metrics."""

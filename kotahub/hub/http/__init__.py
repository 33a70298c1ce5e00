"""HTTP pieces of the edge: the ASGI wrappers, requests and replies, media types and language."""

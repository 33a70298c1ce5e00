"""Reference upstreams with Balikpapan sample data."""

"""What the hub knows of itself as it runs: metrics, operation labels, traces and logs."""

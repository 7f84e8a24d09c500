"""What the server tells its operator: logs, request ids, Prometheus metrics."""

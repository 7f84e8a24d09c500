"""Running the server: the offline API docs and Prometheus metrics."""

"""What the service tells its operators: the request id, the access log, the Prometheus
metrics and the JSON log lines. Nothing here knows a route, a model or an error answer."""

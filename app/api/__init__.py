"""The HTTP side of the service: request and response models, strict JSON, the API key,
error answers, the one request path every prediction route takes, middleware and logging."""

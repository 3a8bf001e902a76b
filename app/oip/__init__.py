"""The Open Inference Protocol (KServe v2 / Triton REST) surface: wire models, tensors to
students, and the routes."""

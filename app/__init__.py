"""The cgpa-predictor service: serves the TorchScript checkpoint over HTTP."""

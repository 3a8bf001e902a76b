"""The cgpa-predictor service: serves the TorchScript checkpoint over HTTP."""

import warnings

# torch warns at import when numpy is absent; the service never converts to numpy (the
# image leaves it out on purpose), so the warning is noise in the container's log.
warnings.filterwarnings("ignore", message="Failed to initialize NumPy", category=UserWarning)

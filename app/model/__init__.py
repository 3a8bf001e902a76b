"""The model half of the service: the card (the contract with training), loading and
verifying the checkpoint, forecasting, and joining concurrent forecasts into one pass."""

"""Offline half of cgpa-predictor: CSV -> TorchScript GRU checkpoint + model card, and evaluation.

Nothing in `app/` may import this package; the only thing the two halves share is
`app.model.card` (the model card schema) and the checkpoint file itself.
"""

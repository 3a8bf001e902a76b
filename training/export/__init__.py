"""What the service loads: the folded TorchScript module and the model card.

`serving_module` folds the trained ensemble into one TorchScript module (each rewrite shown
exact in its docstring); `checkpoint` writes that module and its card. Imports
`training.model` (and `app.model.card`, the schema the service reads).
"""

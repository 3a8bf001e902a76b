"""What the service loads: the folded TorchScript module and the model card.

`fold` folds the trained ensemble into one GRU and one linear path, refusing a network it
would fold wrongly; `serving_module` lays that out as one TorchScript module (each rewrite
shown exact in its docstring); `checkpoint` writes that module and its card. Imports
`training.model` (and `app.model.card`, the schema the service reads).
"""

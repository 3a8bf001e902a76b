"""Offline half of cgpa-predictor: a grades file -> TorchScript checkpoint + model card, and
the evaluation of every model on identical splits.

`python -m training train|evaluate` (`__main__`) runs the jobs of `pipeline` with the
hyperparameters of `config`, over five sub-packages: `data` (readers, samples, synthetic
files), `model` (the network and its fitting), `export` (the serving module and the card),
`evaluation` (splits, baselines, scores, risk, fairness) and `report` (text, plots).
Who may import whom is in `.importlinter`. Nothing in `app/` imports this package; it
imports only `app.model` (the card schema, the risk model), and the checkpoint and the card
are the whole contract between the two halves.
"""

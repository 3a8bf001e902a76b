"""The forecaster and how it is fitted.

`network` is the recurrent network (`GradeSequenceNet`); `ridge` solves its linear path's
starting point; `fit` trains the ensemble with early stopping; `held_out` keeps each member's
out-of-bag rows; `blend` mixes the network with plain regression per history length;
`calibrate` sizes the 90% interval. Imports `training.data` and `training.config` only.
"""

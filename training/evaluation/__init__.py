"""Every model scored on identical splits of the students.

`results` holds what every part shares (model names, `SplitResult`); `splits` draws the test
students and runs every model on them; `baselines` are the models to beat; `scores` the
per-fold and per-length metrics; `risk` and `fairness` score the risk of a low grade and the
errors per group, and `advice` runs those two. Imports `training.model` and `training.data`.
"""

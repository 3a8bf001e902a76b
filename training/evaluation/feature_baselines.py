"""The baselines with the feature columns (#28, step 1): what the features would buy.

On the same rows and folds as `training.evaluation.baselines` (the headline target: the first
`max_history` grades -> the next one), each model sees the grades, the group one-hot and the
encoded features (`training.evaluation.feature_encoding`, fitted on the fold's training rows):
linear regression; scikit-learn's HistGradientBoosting with the grades-only model's grid and
inner CV; a random forest, with its grades-only twin so a gain can be told apart from the
change of model. The project's served model does not use the features yet.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestRegressor
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import GridSearchCV, KFold
from threadpoolctl import threadpool_limits

from training.config import TrainingConfig
from training.data import Samples, StudentTable
from training.evaluation.baselines import (
    GRADIENT_BOOSTING,
    GRADIENT_BOOSTING_GRID,
    GROUP_BASELINE,
    INNER_FOLDS,
    Baseline,
)
from training.evaluation.feature_encoding import fit_encoding

WITH_FEATURES = " + features"
RANDOM_FOREST = "random forest + group"
# Small and fixed: 2 settings x 3 inner folds. Leaves of a few students keep a few hundred
# rows from being memorised; half the inputs per split lets a weak feature be tried.
RANDOM_FOREST_GRID = {"min_samples_leaf": [2, 8]}
RANDOM_FOREST_TREES = 200
# Each row with features, and the grades-only row it is compared with.
GRADES_ONLY = {
    GROUP_BASELINE + WITH_FEATURES: GROUP_BASELINE,
    GRADIENT_BOOSTING + WITH_FEATURES: GRADIENT_BOOSTING,
    RANDOM_FOREST + WITH_FEATURES: RANDOM_FOREST,
}

Inputs = Callable[[Samples, Samples], tuple[np.ndarray, np.ndarray]]


def _one_hot(indexes: np.ndarray, known: np.ndarray) -> np.ndarray:
    return (indexes[:, None] == known[None, :]).astype(np.float64)


def _grades_and_group(train: Samples, test: Samples) -> tuple[np.ndarray, np.ndarray]:
    known = np.unique(train.group_indexes)  # -1 ("none given") is a level of its own
    return (
        np.hstack([train.grades, _one_hot(train.group_indexes, known)]),
        np.hstack([test.grades, _one_hot(test.group_indexes, known)]),
    )


def _with_features(table: StudentTable) -> Inputs:
    def inputs(train: Samples, test: Samples) -> tuple[np.ndarray, np.ndarray]:
        encoding = fit_encoding(table, train.student_ids)
        train_inputs, test_inputs = _grades_and_group(train, test)
        return (
            np.hstack([train_inputs, encoding.transform(table, train.student_ids)]),
            np.hstack([test_inputs, encoding.transform(table, test.student_ids)]),
        )

    return inputs


def _tuned(model: RegressorMixin, grid: Mapping[str, Any], seed: int) -> GridSearchCV:
    return GridSearchCV(
        model,
        grid,
        scoring="neg_mean_squared_error",
        cv=KFold(INNER_FOLDS, shuffle=True, random_state=seed),
    )


def _linear(inputs: Inputs) -> Baseline:
    def predict(train: Samples, test: Samples, config: TrainingConfig) -> np.ndarray:
        train_inputs, test_inputs = inputs(train, test)
        model = LinearRegression().fit(train_inputs, train.targets)
        return model.predict(test_inputs).astype(np.float64)

    return predict


def _gradient_boosting(inputs: Inputs) -> Baseline:
    def predict(train: Samples, test: Samples, config: TrainingConfig) -> np.ndarray:
        train_inputs, test_inputs = inputs(train, test)
        model = HistGradientBoostingRegressor(max_iter=100, random_state=config.seed)
        search = _tuned(model, GRADIENT_BOOSTING_GRID, config.seed)
        # One OpenMP thread, as training.evaluation.baselines says why.
        with threadpool_limits(1, user_api="openmp"):
            search.fit(train_inputs, train.targets)
            return search.predict(test_inputs).astype(np.float64)

    return predict


def _random_forest(inputs: Inputs) -> Baseline:
    def predict(train: Samples, test: Samples, config: TrainingConfig) -> np.ndarray:
        train_inputs, test_inputs = inputs(train, test)
        model = RandomForestRegressor(
            RANDOM_FOREST_TREES, max_features=0.5, random_state=config.seed, n_jobs=1
        )
        search = _tuned(model, RANDOM_FOREST_GRID, config.seed)
        search.fit(train_inputs, train.targets)
        return search.predict(test_inputs).astype(np.float64)

    return predict


def feature_baselines(table: StudentTable) -> dict[str, Baseline]:
    """The rows `evaluate --feature-columns` adds, by name (see GRADES_ONLY)."""
    features = _with_features(table)
    return {
        RANDOM_FOREST: _random_forest(_grades_and_group),
        GROUP_BASELINE + WITH_FEATURES: _linear(features),
        GRADIENT_BOOSTING + WITH_FEATURES: _gradient_boosting(features),
        RANDOM_FOREST + WITH_FEATURES: _random_forest(features),
    }

"""The baselines the project's RNN is measured against, on the same rows and features.

The six of `BASELINES` see what the RNN sees for the headline accuracy target: the first
`max_history` grades (and, where stated, the group: college, programme, school) of students
with the longest history, predicting the next grade. The gradient-boosted one is the strongest
off-the-shelf tabular model, so a user sees on their own data what a well-tuned generic
model gets; its few hyperparameters are chosen by an inner cross-validation on the training
part only (`GRADIENT_BOOSTING_GRID`), so the test part stays unseen.
`linear_regression_per_length` is the bar at every history length: one linear regression with
the group one-hot per length, on the same training students' (first k grades -> grade k + 1)
pairs the RNN learns from.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import GridSearchCV, KFold
from threadpoolctl import threadpool_limits
from torch import nn

from training.config import TrainingConfig
from training.data import Samples

# (training rows, test rows, config) -> predictions for the test rows
Baseline = Callable[[Samples, Samples, TrainingConfig], np.ndarray]
# The bar to clear; the report shows it with the data's own group label for "group".
GROUP_BASELINE = "linear regression + group"
GRADIENT_BOOSTING = "gradient boosting + group"
# Small on purpose: 8 settings x 3 inner folds per fit. Shallow trees and a penalty, because
# a few hundred students are what most files hold; 100 rounds at these rates are enough
# for a target that is nearly linear in the grades.
GRADIENT_BOOSTING_GRID = {
    "learning_rate": [0.05, 0.1],
    "max_depth": [2, 3],
    "l2_regularization": [0.0, 1.0],
}
INNER_FOLDS = 3


def repeat_last_grade(train: Samples, test: Samples, config: TrainingConfig) -> np.ndarray:
    return test.grades[np.arange(len(test)), test.lengths - 1].astype(np.float64)


def training_mean(train: Samples, test: Samples, config: TrainingConfig) -> np.ndarray:
    return np.full(len(test), float(train.targets.mean()))


def linear_regression(train: Samples, test: Samples, config: TrainingConfig) -> np.ndarray:
    model = LinearRegression().fit(train.grades, train.targets)
    return model.predict(test.grades).astype(np.float64)


def _group_one_hot(indexes: np.ndarray, known: np.ndarray) -> np.ndarray:
    # A group absent from the training part gets all zeros, i.e. the reference level.
    return (indexes[:, None] == known[None, :]).astype(np.float64)


def linear_regression_with_group(
    train: Samples, test: Samples, config: TrainingConfig
) -> np.ndarray:
    known = np.unique(train.group_indexes)  # -1 ("none given") is a level of its own
    train_features = np.hstack([train.grades, _group_one_hot(train.group_indexes, known)])
    test_features = np.hstack([test.grades, _group_one_hot(test.group_indexes, known)])
    model = LinearRegression().fit(train_features, train.targets)
    return model.predict(test_features).astype(np.float64)


def gradient_boosting_with_group(
    train: Samples, test: Samples, config: TrainingConfig
) -> np.ndarray:
    """scikit-learn's HistGradientBoostingRegressor on the grades and the group one-hot, its
    grid tuned by `INNER_FOLDS`-fold CV on the training rows (mean squared error), then
    refitted on all of them."""
    known = np.unique(train.group_indexes)
    train_features = np.hstack([train.grades, _group_one_hot(train.group_indexes, known)])
    test_features = np.hstack([test.grades, _group_one_hot(test.group_indexes, known)])
    search = GridSearchCV(
        HistGradientBoostingRegressor(max_iter=100, random_state=config.seed),
        GRADIENT_BOOSTING_GRID,
        scoring="neg_mean_squared_error",
        cv=KFold(INNER_FOLDS, shuffle=True, random_state=config.seed),
    )
    # One OpenMP thread: on a few hundred rows the threads' start-up costs more than they
    # save, and on a busy machine many times more (as for torch, training/model/fit.py).
    with threadpool_limits(1, user_api="openmp"):
        search.fit(train_features, train.targets)
        return search.predict(test_features).astype(np.float64)


def linear_regression_per_length(train: Samples, test: Samples) -> np.ndarray:
    """For each history length k of the test rows: linear regression with the group one-hot
    on the training rows of length k (their first k grades), applied to the test rows of
    length k. A length with no training rows predicts the training targets' mean."""
    predicted = np.zeros(len(test), dtype=np.float64)
    for length in np.unique(test.lengths).tolist():
        train_rows = train.lengths == length
        test_rows = test.lengths == length
        if not train_rows.any():
            predicted[test_rows] = float(train.targets.mean())
            continue
        trained_on = train.select(train_rows)
        tested_on = test.select(test_rows)
        known = np.unique(trained_on.group_indexes)
        features = np.hstack(
            [trained_on.grades[:, :length], _group_one_hot(trained_on.group_indexes, known)]
        )
        model = LinearRegression().fit(features, trained_on.targets)
        test_features = np.hstack(
            [tested_on.grades[:, :length], _group_one_hot(tested_on.group_indexes, known)]
        )
        predicted[test_rows] = model.predict(test_features)
    return predicted


class NotebookRnn(nn.Module):
    """The original notebook's network: all grades fed as ONE time step of a 3-layer RNN."""

    def __init__(self, inputs: int) -> None:
        super().__init__()
        self.rnn = nn.RNN(inputs, 64, num_layers=3, batch_first=True, dropout=0.2)
        self.output = nn.Linear(64, 1)

    def forward(self, grades: torch.Tensor) -> torch.Tensor:
        states, _ = self.rnn(grades.unsqueeze(1))
        return torch.relu(self.output(states[:, -1])).squeeze(1)


def notebook_rnn(train: Samples, test: Samples, config: TrainingConfig) -> np.ndarray:
    """Adam 1e-3, 1000 full-batch epochs of MSE on the raw grades, as the notebook did."""
    torch.manual_seed(config.seed)
    network = NotebookRnn(train.grades.shape[1])
    optimiser = torch.optim.Adam(network.parameters(), lr=1e-3)
    grades = torch.from_numpy(train.grades)
    targets = torch.from_numpy(train.targets)
    network.train()
    for _ in range(config.notebook_epochs):
        optimiser.zero_grad(set_to_none=True)
        loss = nn.functional.mse_loss(network(grades), targets)
        loss.backward()
        optimiser.step()
    network.eval()
    with torch.no_grad():
        return network(torch.from_numpy(test.grades)).numpy().astype(np.float64)


BASELINES: dict[str, Baseline] = {
    "repeat last grade": repeat_last_grade,
    "training mean": training_mean,
    "linear regression": linear_regression,
    GROUP_BASELINE: linear_regression_with_group,
    GRADIENT_BOOSTING: gradient_boosting_with_group,
    "notebook RNN": notebook_rnn,
}

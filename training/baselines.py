"""The five baselines the project's RNN is measured against, on the same rows and features.

All of them see what the RNN sees for the accuracy target: the first `max_history` grades (and,
where stated, the college) of students with a complete record, predicting the next grade.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from sklearn.linear_model import LinearRegression
from torch import nn

from training.config import TrainingConfig
from training.data import Samples

# (training rows, test rows, config) -> predictions for the test rows
Baseline = Callable[[Samples, Samples, TrainingConfig], np.ndarray]


def repeat_last_grade(train: Samples, test: Samples, config: TrainingConfig) -> np.ndarray:
    return test.grades[np.arange(len(test)), test.lengths - 1].astype(np.float64)


def training_mean(train: Samples, test: Samples, config: TrainingConfig) -> np.ndarray:
    return np.full(len(test), float(train.targets.mean()))


def linear_regression(train: Samples, test: Samples, config: TrainingConfig) -> np.ndarray:
    model = LinearRegression().fit(train.grades, train.targets)
    return model.predict(test.grades).astype(np.float64)


def _college_one_hot(codes: np.ndarray, known: np.ndarray) -> np.ndarray:
    # A college absent from the training part gets all zeros, i.e. the reference level.
    return (codes[:, None] == known[None, :]).astype(np.float64)


def linear_regression_with_college(
    train: Samples, test: Samples, config: TrainingConfig
) -> np.ndarray:
    known = np.unique(train.college_codes)
    train_features = np.hstack([train.grades, _college_one_hot(train.college_codes, known)])
    test_features = np.hstack([test.grades, _college_one_hot(test.college_codes, known)])
    model = LinearRegression().fit(train_features, train.targets)
    return model.predict(test_features).astype(np.float64)


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
    "linear regression + college": linear_regression_with_college,
    "notebook RNN": notebook_rnn,
}

"""One test part's road to graduation (#27 part 2), row for row: every later term and the final
CGPA of the test students, as the service would serve them, next to the bars.

Per horizon h (1 up to the last semester) the rows are every test student's (first l grades ->
grade l + h) pairs; per history length l the final CGPA's rows are the test students with
every term. The models, all fitted on the same training part:
- "project path": what the card serves (horizon 1 the network, later ones the direct
  regression, `training.model.path`), its interval from the path's own cells;
- "direct regression": least squares of grade l + h on the first l grades and the group
  one-hot, per (l, h) (at horizon 1 the evaluation's per-length regression; later, the
  path's own regression, so it differs from the served one only where the rolled network
  is mixed in);
- "last grade carried forward";
- "network rolled forward": the fitted network fed its own forecasts as the next grades.
A final CGPA is the mean of the given grades and each model's forecasts of the rest. The
final risk P(final < c) is the served one (the final cell's residuals, read as
`app.model.risk.RiskModel` reads the next semester's) against a logistic regression per
(cut-off, history length) on the grades and the group one-hot.
"""

from __future__ import annotations

import numpy as np

from app.model.risk import RiskModel
from training.data import Samples, StudentTable, prefix_samples
from training.evaluation.baselines import linear_regression_per_length
from training.evaluation.results import FINAL, PathRows
from training.evaluation.risk import logistic_probability_below
from training.model.fit import FitResult, predict
from training.model.path_calibrate import PathFit
from training.model.path_roll import rolled_forward

SERVED = "project path"
DIRECT = "direct regression"
CARRIED = "last grade carried forward"
ROLLED = "network rolled forward"
PATH_MODELS = [SERVED, DIRECT, CARRIED, ROLLED]


def path_rows(
    table: StudentTable,
    train_ids: list[int],
    test_ids: list[int],
    fit: FitResult,
    path: PathFit,
    cutoffs: list[float],
) -> PathRows:
    """Every horizon's rows and the final CGPA's, for the test students of one split."""
    history = fit.network.max_history
    low, high = table.scale
    rows = PathRows(cutoffs=list(cutoffs))
    by_key: dict[str, dict[tuple[int, int, int], float]] = {name: {} for name in PATH_MODELS}
    for horizon in range(1, history + 1):
        test = prefix_samples(table, sorted(test_ids), history, horizon)
        if len(test) == 0:
            continue
        if horizon == 1:
            outputs = predict(fit.network, test)
            served, interval = outputs[:, 0], outputs[:, 1:]  # as served, clamped
            train = prefix_samples(table, sorted(train_ids), history)
            direct = np.clip(linear_regression_per_length(train, test), low, high)
        else:
            direct = path.regression.predict(test, horizon)
            served = path.regression.serve(fit.network, test, horizon)
            half = np.array(
                [
                    path.cell(length, horizon, group).half_width
                    for length, group in zip(test.lengths, test.group_indexes, strict=True)
                ]
            )
            interval = _clamped(served, half, table.scale)
        forecasts = {
            SERVED: served,
            DIRECT: direct,
            CARRIED: test.grades[np.arange(len(test)), test.lengths - 1].astype(np.float64),
            ROLLED: rolled_forward(fit.network, test, horizon),
        }
        _keep(rows, horizon, test.targets, forecasts, interval, test.lengths)
        for name, values in forecasts.items():
            keys = zip(test.student_ids, test.lengths, values, strict=True)
            by_key[name].update({(int(s), int(n), horizon): float(v) for s, n, v in keys})
    _final_rows(rows, table, train_ids, test_ids, path, by_key, history)
    return rows


def _keep(
    rows: PathRows,
    key: int,
    targets: np.ndarray,
    forecasts: dict[str, np.ndarray],
    interval: np.ndarray,
    lengths: np.ndarray,
) -> None:
    low, high = interval[:, 0], interval[:, 1]
    actual = targets.astype(np.float64)
    rows.targets[key] = actual
    rows.forecasts[key] = forecasts
    rows.covered[key] = (actual >= low) & (actual <= high)
    rows.widths[key] = high - low
    rows.lengths[key] = lengths.copy()


def _final_rows(
    rows: PathRows,
    table: StudentTable,
    train_ids: list[int],
    test_ids: list[int],
    path: PathFit,
    by_key: dict[str, dict[tuple[int, int, int], float]],
    history: int,
) -> None:
    last = history + 1
    tested = [i for i in sorted(test_ids) if len(table.students[i].history) == last]
    if not tested:
        return
    groups = table.group_indexes(table.students)
    final: dict[str, list[float]] = {name: [] for name in PATH_MODELS}
    targets, lengths, indexes = [], [], []
    for student in tested:
        grades = table.students[student].history
        for length in range(1, last):
            for name in PATH_MODELS:
                later = [by_key[name][(student, length, h)] for h in range(1, last - length + 1)]
                final[name].append((sum(grades[:length]) + sum(later)) / last)
            targets.append(float(np.mean(grades)))
            lengths.append(length)
            indexes.append(int(groups[student]))
    served = np.array(final[SERVED])
    length_array = np.array(lengths, np.int64)
    half = np.array(
        [path.cell(n, None, g).half_width for n, g in zip(lengths, indexes, strict=True)]
    )
    forecasts = {name: np.array(values) for name, values in final.items()}
    interval = _clamped(served, half, table.scale)
    _keep(rows, FINAL, np.array(targets), forecasts, interval, length_array)
    pooled = {n: path.cells[(n, None, None)].residuals for n in range(1, last)}
    cells = {
        (n, g): c.residuals for (n, h, g), c in path.cells.items() if h is None and g is not None
    }
    risk = RiskModel(pooled, table.scale, cells)
    actual = np.array(targets)
    rows.below = actual[None, :] < np.array(rows.cutoffs)[:, None]
    rows.ours = np.array(
        [risk.probability_below(served.tolist(), lengths, c, indexes) for c in rows.cutoffs]
    )
    rows.logistic = np.zeros_like(rows.ours)
    train_final = _final_samples(table, train_ids, history)
    test_final = _final_samples(table, tested, history)
    for length in range(1, last):
        train_rows = train_final.select(train_final.lengths == length)
        chosen = length_array == length
        test_rows = test_final.select(test_final.lengths == length)
        for position, cutoff in enumerate(rows.cutoffs):
            rows.logistic[position, chosen] = logistic_probability_below(
                train_rows, test_rows, cutoff
            )


def _final_samples(table: StudentTable, ids: list[int], history: int) -> Samples:
    """Students with every term: first l grades -> final CGPA, for l = 1 .. history, in the
    order `_final_rows` lists them (student, then length)."""
    complete = [i for i in sorted(ids) if len(table.students[i].history) == history + 1]
    samples = prefix_samples(table, complete, history)  # one row per (student, length)
    finals = np.array([np.mean(table.students[int(i)].history) for i in samples.student_ids])
    return Samples(
        samples.grades, samples.lengths, samples.group_indexes, finals, samples.student_ids
    )


def _clamped(served: np.ndarray, half: np.ndarray, scale: tuple[float, float]) -> np.ndarray:
    """[N, 2]: the served forecast ± its cell's half-width, clamped to the scale."""
    return np.clip(np.stack([served - half, served + half], 1), *scale)

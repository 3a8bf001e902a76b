"""Train the ensemble: full-batch Adam, per-member early stopping, out-of-fold residuals.

Each ensemble member k is trained on all students except cross-fitting fold k, stops early
on fold k, and predicts fold k for the conformal calibration. Holding out whole students
(all their prefixes together) keeps one student's later semesters from leaking into the
evaluation of their earlier ones. All members train at once as one batched network, so a
fit costs one network's passes, not five (fit times: docs/accuracy.md).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor
from tqdm import tqdm

from training.calibrate import Calibration, calibrate
from training.config import TrainingConfig
from training.data import Samples, StudentTable, prefix_samples
from training.network import GradeSequenceNet


@dataclass
class FitResult:
    network: GradeSequenceNet
    # Out-of-fold absolute residuals (raw grade scale) and the history length of each.
    calibration_residuals: np.ndarray
    calibration_lengths: np.ndarray
    stopped_epochs: list[int]  # best epoch of each member
    seconds: float


def seed_everything(seed: int) -> None:
    # One thread is faster than two for networks this small (docs/accuracy.md), and removes
    # a source of run-to-run variation in reductions.
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    np.random.seed(seed)


def train_project_model(
    table: StudentTable,
    student_ids: list[int],
    max_history: int,
    config: TrainingConfig,
    progress: bool = False,
) -> tuple[FitResult, Calibration]:
    """The real training path, shared by `train` and every evaluation fold: fit the
    ensemble on every prefix of these students, then calibrate its interval."""
    samples = prefix_samples(table.students, sorted(student_ids), max_history)
    fit = fit_network(samples, table.colleges, max_history, config, progress=progress)
    calibration = calibrate(
        fit.calibration_residuals, fit.calibration_lengths, max_history, config.interval_level
    )
    widths = [calibration.half_width_by_length[length] for length in range(1, max_history + 1)]
    with torch.no_grad():
        fit.network.half_width_by_length.copy_(torch.tensor(widths))
    return fit, calibration


def member_folds(student_ids: np.ndarray, members: int, seed: int) -> np.ndarray:
    """Cross-fitting fold (0 .. members-1) of every sample, assigned per student."""
    unique_students = np.unique(student_ids)
    shuffled = np.random.default_rng(seed).permutation(unique_students)
    fold_of_student = {int(s): position % members for position, s in enumerate(shuffled)}
    return np.array([fold_of_student[int(s)] for s in student_ids], dtype=np.int64)


def fit_network(
    samples: Samples,
    known_colleges: list[int],
    max_history: int,
    config: TrainingConfig,
    progress: bool = False,
) -> FitResult:
    if config.ensemble_size < 2:
        raise ValueError("ensemble_size must be at least 2: members double as calibration folds")
    started = time.perf_counter()
    seed_everything(config.seed)
    generator = torch.Generator().manual_seed(config.seed)

    present = np.arange(max_history)[None, :] < samples.lengths[:, None]
    all_grades = np.concatenate([samples.grades[present], samples.targets])
    grade_std = float(all_grades.std()) or 1.0
    network = GradeSequenceNet(
        known_colleges, max_history, float(all_grades.mean()), grade_std, config
    )

    folds = torch.from_numpy(member_folds(samples.student_ids, config.ensemble_size, config.seed))
    held_out = folds.unsqueeze(0) == torch.arange(config.ensemble_size).unsqueeze(1)  # [K, N]
    trained_on = (~held_out).float()
    held_out_weight = held_out.float()
    if bool((held_out_weight.sum(1) == 0).any()):
        raise ValueError("too few students for the ensemble's cross-fitting folds")

    grades = torch.from_numpy(samples.grades)
    lengths = torch.from_numpy(samples.lengths)
    standardised, lengths = network.standardise(grades, lengths)
    slots = network.college_slots(torch.from_numpy(samples.college_codes))
    targets = (torch.from_numpy(samples.targets) - network.grade_mean) / network.grade_std

    optimiser = torch.optim.Adam(network.parameters(), lr=config.learning_rate)
    best_loss = torch.full((config.ensemble_size,), float("inf"))
    best_epoch = [0] * config.ensemble_size
    best_state = {name: p.detach().clone() for name, p in network.named_parameters()}
    epochs = tqdm(range(config.max_epochs), desc="training", unit="epoch", disable=not progress)
    for epoch in epochs:
        hidden_college = torch.rand(slots.shape, generator=generator) < config.college_dropout
        training_slots = torch.where(hidden_college, network.unknown_slot, slots)
        predicted = network.member_predictions(standardised, lengths, training_slots)
        squared_error = (predicted - targets.unsqueeze(0)) ** 2
        member_loss = (squared_error * trained_on).sum(1) / trained_on.sum(1)
        loss = (member_loss + _penalties(network, config)).sum()
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()

        validation_loss = _held_out_loss(network, standardised, lengths, slots, targets, held_out)
        improved = validation_loss < best_loss
        if bool(improved.any()):
            best_loss = torch.where(improved, validation_loss, best_loss)
            for name, parameter in network.named_parameters():
                best_state[name][improved] = parameter.detach()[improved]
            for member in improved.nonzero().flatten().tolist():
                best_epoch[member] = epoch
        epochs.set_postfix(held_out_loss=f"{float(best_loss.mean()):.3f}", refresh=False)
        if epoch - max(best_epoch) >= config.patience:
            epochs.close()
            break  # every member has gone `patience` epochs without improving

    with torch.no_grad():
        for name, parameter in network.named_parameters():
            parameter.copy_(best_state[name])
    network.eval()

    residuals = _out_of_fold_residuals(network, standardised, lengths, slots, samples, held_out)
    return FitResult(
        network=network,
        calibration_residuals=residuals,
        calibration_lengths=samples.lengths.copy(),
        stopped_epochs=best_epoch,
        seconds=time.perf_counter() - started,
    )


def _penalties(network: GradeSequenceNet, config: TrainingConfig) -> Tensor:
    """Per-member L2 penalty: [members]."""

    def per_member(parameters: list[torch.nn.Parameter]) -> Tensor:
        return sum(p.pow(2).flatten(1).sum(1) for p in parameters)

    return config.linear_l2 * per_member(network.linear_parameters()) + (
        config.recurrent_l2 * per_member(network.recurrent_parameters())
    )


@torch.no_grad()
def _held_out_loss(
    network: GradeSequenceNet,
    standardised: Tensor,
    lengths: Tensor,
    slots: Tensor,
    targets: Tensor,
    held_out: Tensor,
) -> Tensor:
    predicted = network.member_predictions(standardised, lengths, slots)
    weight = held_out.float()
    return (((predicted - targets.unsqueeze(0)) ** 2) * weight).sum(1) / weight.sum(1)


@torch.no_grad()
def _out_of_fold_residuals(
    network: GradeSequenceNet,
    standardised: Tensor,
    lengths: Tensor,
    slots: Tensor,
    samples: Samples,
    held_out: Tensor,
) -> np.ndarray:
    """|target - prediction of the one member that never trained on that student|."""
    predicted = network.member_predictions(standardised, lengths, slots)  # [K, N]
    own_member = held_out.float().argmax(0)
    out_of_fold = predicted.gather(0, own_member.unsqueeze(0)).squeeze(0)
    raw = out_of_fold * network.grade_std + network.grade_mean
    return np.abs(samples.targets - raw.clamp(0.0, 10.0).numpy()).astype(np.float64)


@torch.no_grad()
def predict(network: torch.nn.Module, samples: Samples) -> np.ndarray:
    """[N, 3] predicted grade, interval low, interval high for every sample."""
    output = network(
        torch.from_numpy(samples.grades),
        torch.from_numpy(samples.lengths),
        torch.from_numpy(samples.college_codes),
    )
    return output.numpy().astype(np.float64)

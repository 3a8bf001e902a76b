"""Train the ensemble: Adam, per-member early stopping, out-of-fold residuals.

Each ensemble member k is trained on all students except cross-fitting fold k, stops early
on fold k, and predicts fold k for the conformal calibration. Holding out whole students
(all their prefixes together) keeps one student's later terms from leaking into the
evaluation of their earlier ones. All members train at once as one batched network, so a
fit costs one network's passes, not five (fit times: docs/accuracy.md). Up to
`batch_size` rows (the shared data set's ~700) train full-batch, one step per epoch; more
rows take several shuffled batches per epoch. Each member's linear path starts at its
closed-form ridge solution (`ridge_start`), so Adam only refines it and trains the
recurrent correction. Last, each history length gets plain linear regression instead, or
mixed in, where the members' held-out rows do not show the network clearly better
(`training.model.blend`).
"""

from __future__ import annotations

import functools
import operator
import time
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor
from tqdm import tqdm

from training.config import TrainingConfig
from training.data import Samples, StudentTable, prefix_samples
from training.model.blend import blend_with_regression
from training.model.calibrate import Calibration, calibrate
from training.model.held_out import HeldOutRows
from training.model.network import GradeSequenceNet
from training.model.ridge import ridge_start


@dataclass
class FitResult:
    network: GradeSequenceNet
    # Out-of-fold signed residuals (target - prediction, raw grade scale) and the history
    # length of each.
    calibration_residuals: np.ndarray
    calibration_lengths: np.ndarray
    calibration_groups: np.ndarray  # each residual's group index (-1: none given)
    stopped_epochs: list[int]  # best epoch of each member (0: the start was never beaten)
    seconds: float
    # Student -> the member that never trained on it: later horizons (training/model/path.py)
    # are held out by the same folds.
    fold_of_student: dict[int, int] = field(default_factory=dict)


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
    samples = prefix_samples(table, sorted(student_ids), max_history)
    fit = fit_network(
        samples, len(table.groups), max_history, config, scale=table.scale, progress=progress
    )
    calibration = calibrate(
        fit.calibration_residuals,
        fit.calibration_lengths,
        max_history,
        config.interval_level,
        fit.calibration_groups,
        config.min_cell_size,
    )
    widths = calibration.half_width_table(len(table.groups), max_history)
    with torch.no_grad():
        fit.network.half_width_by_slot_and_length.copy_(torch.from_numpy(widths))
    return fit, calibration


def member_folds(student_ids: np.ndarray, members: int, seed: int) -> np.ndarray:
    """Cross-fitting fold (0 .. members-1) of every sample, assigned per student."""
    fold_of_student = student_folds(student_ids, members, seed)
    return np.array([fold_of_student[int(s)] for s in student_ids], dtype=np.int64)


def student_folds(student_ids: np.ndarray, members: int, seed: int) -> dict[int, int]:
    """Student -> the cross-fitting fold (the ensemble member) that holds it out."""
    unique_students = np.unique(student_ids)
    shuffled = np.random.default_rng(seed).permutation(unique_students)
    return {int(s): position % members for position, s in enumerate(shuffled)}


def fit_network(
    samples: Samples,
    group_count: int,
    max_history: int,
    config: TrainingConfig,
    scale: tuple[float, float] = (0.0, 10.0),
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
        group_count, max_history, float(all_grades.mean()), grade_std, config, scale
    )

    folds = torch.from_numpy(member_folds(samples.student_ids, config.ensemble_size, config.seed))
    held_out = folds.unsqueeze(0) == torch.arange(config.ensemble_size).unsqueeze(1)  # [K, N]
    trained_on = (~held_out).float()
    if bool((held_out.sum(1) == 0).any()):
        raise ValueError("too few students for the ensemble's cross-fitting folds")

    grades = torch.from_numpy(samples.grades)
    lengths = torch.from_numpy(samples.lengths)
    standardised, lengths = network.standardise(grades, lengths)
    slots = network.group_slots(torch.from_numpy(samples.group_indexes))
    targets = (torch.from_numpy(samples.targets) - network.grade_mean) / network.grade_std
    validation = HeldOutRows(held_out, standardised, lengths, slots, targets)
    strength = linear_l2_strength(trained_on, config)
    if config.ridge_start:
        ridge_start(network, (standardised, lengths, slots, targets), trained_on, strength, config)

    optimiser = torch.optim.Adam(network.parameters(), lr=config.learning_rate)
    # Epoch 0 is the start itself: a member that never beats it keeps it.
    best_loss = validation.loss(network)
    best_epoch = [0] * config.ensemble_size
    best_state = {name: p.detach().clone() for name, p in network.named_parameters()}
    # Patience counts optimiser steps; it is checked once per epoch.
    steps_per_epoch = -(-len(samples) // config.batch_size)
    patience = -(-config.patience // steps_per_epoch)
    epochs = tqdm(
        range(1, config.max_epochs + 1), desc="training", unit="epoch", disable=not progress
    )
    for epoch in epochs:
        for rows in _batches(lengths, steps_per_epoch, generator):
            hidden_group = torch.rand(rows.shape, generator=generator) < config.group_dropout
            training_slots = torch.where(hidden_group, network.unknown_slot, slots[rows])
            predicted = network.member_predictions(
                standardised[rows].unsqueeze(0),
                lengths[rows].unsqueeze(0),
                training_slots.unsqueeze(0),
            )
            squared_error = (predicted - targets[rows].unsqueeze(0)) ** 2
            weight = trained_on[:, rows]
            member_loss = (squared_error * weight).sum(1) / weight.sum(1).clamp(min=1.0)
            loss = (member_loss + _penalties(network, config, strength)).sum()
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()

        validation_loss = validation.loss(network)
        improved = validation_loss < best_loss
        if bool(improved.any()):
            best_loss = torch.where(improved, validation_loss, best_loss)
            for name, parameter in network.named_parameters():
                best_state[name][improved] = parameter.detach()[improved]
            for member in improved.nonzero().flatten().tolist():
                best_epoch[member] = epoch
        epochs.set_postfix(held_out_loss=f"{float(best_loss.mean()):.3f}", refresh=False)
        if epoch - max(best_epoch) >= patience:
            epochs.close()
            break  # every member has gone `patience` optimiser steps without improving

    with torch.no_grad():
        for name, parameter in network.named_parameters():
            parameter.copy_(best_state[name])
    network.eval()
    if config.regression_blend:
        every_row = (standardised, lengths, slots, targets)
        blend_with_regression(network, every_row, trained_on, validation)

    return FitResult(
        network=network,
        calibration_residuals=validation.residuals(network, samples.targets),
        calibration_lengths=samples.lengths.copy(),
        calibration_groups=samples.group_indexes.copy(),
        stopped_epochs=best_epoch,
        seconds=time.perf_counter() - started,
        fold_of_student=student_folds(samples.student_ids, config.ensemble_size, config.seed),
    )


def _batches(lengths: Tensor, pieces: int, generator: torch.Generator) -> list[Tensor]:
    """The rows of each optimiser step of one epoch: all of them for one piece (full-batch
    training, as every model of the shared data set is trained), else a fresh shuffle cut
    into `pieces` batches of about equal size. Each batch is sorted longest history first
    (stable), so the recurrent steps skip the rows that have finished
    (`GradeSequenceNet.member_predictions`)."""
    count = len(lengths)
    if pieces == 1:
        batches = [torch.arange(count)]
    else:
        batches = list(torch.randperm(count, generator=generator).tensor_split(pieces))
    return [rows[torch.argsort(lengths[rows], descending=True, stable=True)] for rows in batches]


def _penalties(network: GradeSequenceNet, config: TrainingConfig, strength: Tensor) -> Tensor:
    """Per-member L2 penalty: [members]. `strength` scales each member's linear one
    (`linear_l2_strength`); the recurrent one stays fixed."""

    def per_member(parameters: list[torch.nn.Parameter]) -> Tensor:
        # reduce rather than sum(): the same additions, without sum()'s leading int 0.
        return functools.reduce(operator.add, [p.pow(2).flatten(1).sum(1) for p in parameters])

    weights, *offsets = network.linear_parameters()
    linear = config.linear_l2 * per_member([weights]) + config.offset_l2 * per_member(offsets)
    return strength * linear + config.recurrent_l2 * per_member(network.recurrent_parameters())


def linear_l2_strength(trained_on: Tensor, config: TrainingConfig) -> Tensor:
    """Per member, 1 up to `l2_reference_rows` training rows, reference / rows beyond."""
    rows = trained_on.sum(1)
    return (config.l2_reference_rows / rows).clamp(max=1.0)


@torch.no_grad()
def predict(network: torch.nn.Module, samples: Samples) -> np.ndarray:
    """[N, 3] predicted grade, interval low, interval high for every sample."""
    output = network(
        torch.from_numpy(samples.grades),
        torch.from_numpy(samples.lengths),
        torch.from_numpy(samples.group_indexes),
    )
    return output.numpy().astype(np.float64)

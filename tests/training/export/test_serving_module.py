"""The serving module: padding and unknown groups handled inside, identical to training."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from training.config import TrainingConfig
from training.export.fold import NotFoldable
from training.export.serving_module import compact_module
from training.model.network import GradeSequenceNet

GROUPS = 4


def random_network(
    predict_change: bool,
    groups: int = GROUPS,
    history: int = 4,
    scale: tuple[float, float] = (0.0, 10.0),
) -> GradeSequenceNet:
    """A network with every weight random (not the zero start), so folding bugs show."""
    torch.manual_seed(3)
    config = TrainingConfig(predict_change=predict_change)
    low, high = scale
    network = GradeSequenceNet(
        groups,
        history,
        grade_mean=low + 0.7 * (high - low),
        grade_std=0.09 * (high - low),
        config=config,
        scale=scale,
    )
    with torch.no_grad():
        for parameter in network.parameters():
            parameter.normal_(0.0, 0.3)
        # Per length, and per group where a cell would be its own: every group's row differs.
        by_length = torch.linspace(0.9, 0.6, history) * (high - low) / 10
        by_slot = torch.linspace(0.8, 1.2, groups + 1).unsqueeze(1)
        network.half_width_by_slot_and_length.copy_(by_slot * by_length)
        # Some of the correction kept at each length, none at the first (training/model/blend.py).
        network.correction_share_by_length.copy_(torch.linspace(0.0, 1.0, history))
    return network.eval()


def random_batch(
    size: int, groups: int = GROUPS, history: int = 4, high: float = 10.0
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(size)
    grades = torch.rand(size, history, generator=generator) * high
    lengths = torch.randint(1, history + 1, (size,), generator=generator)
    choices = torch.tensor([*range(groups), -1, 99])  # known, none, out of range: unknown
    indexes = choices[torch.randint(0, len(choices), (size,), generator=generator)]
    return grades, lengths, indexes


def assert_serves_as_trained(
    network: GradeSequenceNet,
    batch: tuple[torch.Tensor, torch.Tensor, torch.Tensor],
    atol: float = 1e-5,
) -> torch.Tensor:
    """The served module's answers are the training network's, or a message that says which
    two pieces of code drifted apart."""
    grades, lengths, indexes = batch
    with torch.no_grad():
        expected = network(grades, lengths, indexes).double()
    with torch.inference_mode():
        actual = compact_module(network)(grades, lengths, indexes)
    assert actual.shape == expected.shape and actual.dtype == torch.float64
    torch.testing.assert_close(
        actual,
        expected,
        atol=atol,
        rtol=0,
        msg=lambda detail: (
            "the serving module (training/export/serving_module.py) no longer computes what "
            "GradeSequenceNet.forward (training/model/network.py) computes: a change to one "
            "needs the same change to the other (the rewrites are listed in serving_module's "
            f"docstring).\n{detail}"
        ),
    )
    return actual


@pytest.mark.parametrize("predict_change", [False, True])
def test_folded_module_matches_the_training_network(predict_change: bool) -> None:
    actual = assert_serves_as_trained(random_network(predict_change), random_batch(500))
    assert actual.shape == (500, 3)


class NetworkWithAnExtraInput(GradeSequenceNet):
    """A network given one more input (a per-step credit weight) that the fold knows nothing of."""

    def __init__(self) -> None:
        super().__init__(GROUPS, 4, 7.0, 0.9, TrainingConfig())
        self.credit_weight = torch.nn.Parameter(torch.zeros(5, 4))


def test_a_parameter_the_fold_does_not_read_is_refused_by_name() -> None:
    with pytest.raises(NotFoldable, match="parameter 'credit_weight' is not folded"):
        compact_module(NetworkWithAnExtraInput())


def test_a_parameter_of_another_shape_is_refused_by_name() -> None:
    network = random_network(False)
    network.head_weight = torch.nn.Parameter(torch.zeros(5, 7))
    with pytest.raises(NotFoldable, match=r"'head_weight' is \(5, 7\), NetworkShape says"):
        compact_module(network)


@pytest.mark.parametrize("padding", [99.0, -5.0, float("nan"), float("inf")])
def test_padding_values_do_not_matter(padding: float) -> None:
    served = compact_module(random_network(False))
    grades, lengths, colleges = random_batch(200)
    padded = grades.clone()
    for row, length in enumerate(lengths.tolist()):
        padded[row, length:] = padding
    with torch.inference_mode():
        assert torch.equal(served(padded, lengths, colleges), served(grades, lengths, colleges))


def test_short_batches_and_every_length() -> None:
    served = compact_module(random_network(False))
    with torch.inference_mode():
        for length in range(1, 5):
            grades = torch.full((3, length), 7.5)
            output = served(grades, torch.full((3,), length), torch.tensor([2, -1, 99]))
            assert output.shape == (3, 3)
            # The same history padded to the full width gives the same answer, up to float64
            # rounding: the width changes the order in which the matrix products sum.
            wide = torch.cat([grades, torch.full((3, 4 - length), 99.0)], 1)
            widened = served(wide, torch.full((3,), length), torch.tensor([2, -1, 99]))
            torch.testing.assert_close(widened, output, atol=1e-12, rtol=0)


@pytest.mark.parametrize(
    ("groups", "history", "scale"), [(0, 4, (0.0, 10.0)), (6, 12, (0.0, 4.0)), (2, 2, (0.0, 20.0))]
)
def test_other_shapes_and_scales_fold_exactly(
    groups: int, history: int, scale: tuple[float, float]
) -> None:
    """No group column, 12-term histories, 0-4 and 0-20 scales: the fold is still exact."""
    network = random_network(False, groups, history, scale)
    batch = random_batch(300, groups, history, scale[1])
    actual = assert_serves_as_trained(network, batch, atol=1e-5 * scale[1])
    assert bool(((actual >= scale[0]) & (actual <= scale[1])).all())


def test_outputs_are_clamped_to_the_scale() -> None:
    served = compact_module(random_network(False, scale=(0.0, 4.0)))
    grades, lengths, indexes = random_batch(1000, high=4.0)
    grades[:10] = 4.0
    with torch.inference_mode():
        output = served(grades, lengths, indexes)
    assert float(output.max()) <= 4.0 and float(output.min()) >= 0.0
    assert bool((output == 4.0).any())  # the clamp is the card's scale, not 0-10


def test_unknown_and_missing_group_share_the_unknown_slot() -> None:
    served = compact_module(random_network(False))
    grades = torch.tensor([[7.1, 7.4, 7.9, 8.0]]).repeat(3, 1)
    with torch.inference_mode():
        output = served(grades, torch.full((3,), 4), torch.tensor([-1, 4, 12345]))
    # Equal up to float64 rounding: a matrix product may sum one column of the batch in
    # another order than the next.
    torch.testing.assert_close(output, output[:1].expand(3, 3), atol=1e-12, rtol=0)


def test_outputs_are_ordered_and_clamped() -> None:
    served = compact_module(random_network(False))
    grades, lengths, colleges = random_batch(1000)
    grades[:10] = 0.0
    grades[10:20] = 10.0
    with torch.inference_mode():
        output = served(grades, lengths, colleges)
    assert bool(((output >= 0) & (output <= 10)).all())
    assert bool((output[:, 1] <= output[:, 0]).all() and (output[:, 0] <= output[:, 2]).all())


def test_saved_module_loads_without_project_code(tmp_path: Path) -> None:
    served = compact_module(random_network(False))
    path = tmp_path / "model.pt"
    buffer = io.BytesIO()
    torch.jit.save(served, buffer)
    path.write_bytes(buffer.getvalue())
    grades, lengths, colleges = random_batch(7)
    with torch.inference_mode():
        expected = served(grades, lengths, colleges).tolist()
    # The project is pip-installed in editable mode, so block its packages outright: a
    # checkpoint that needed them to load would fail here.
    script = (
        "import sys\n"
        "sys.modules['training'] = None\nsys.modules['app'] = None\n"
        "import torch\n"
        f"m = torch.jit.load({str(path)!r})\n"
        f"g = torch.tensor({grades.tolist()!r}); l = torch.tensor({lengths.tolist()!r})\n"
        f"c = torch.tensor({colleges.tolist()!r})\n"
        "with torch.inference_mode():\n    print(m(g, l, c).tolist())\n"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", script], capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert eval(result.stdout) == expected  # noqa: S307 - our own subprocess's list output

"""The serving module: padding and unknown colleges handled inside, identical to training."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from training.config import TrainingConfig
from training.network import GradeSequenceNet
from training.network_export import compact_module

KNOWN = [115, 116, 165, 241]


def random_network(predict_change: bool) -> GradeSequenceNet:
    """A network with every weight random (not the zero start), so folding bugs show."""
    torch.manual_seed(3)
    config = TrainingConfig(predict_change=predict_change)
    network = GradeSequenceNet(KNOWN, 4, grade_mean=7.0, grade_std=0.9, config=config)
    with torch.no_grad():
        for parameter in network.parameters():
            parameter.normal_(0.0, 0.3)
        network.half_width_by_length.copy_(torch.tensor([0.9, 0.8, 0.7, 0.6]))
    return network.eval()


def random_batch(size: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(size)
    grades = torch.rand(size, 4, generator=generator) * 10
    lengths = torch.randint(1, 5, (size,), generator=generator)
    choices = torch.tensor([*KNOWN, -1, 999])
    colleges = choices[torch.randint(0, len(choices), (size,), generator=generator)]
    return grades, lengths, colleges


@pytest.mark.parametrize("predict_change", [False, True])
def test_folded_module_matches_the_training_network(predict_change: bool) -> None:
    network = random_network(predict_change)
    grades, lengths, colleges = random_batch(500)
    with torch.no_grad():
        expected = network(grades, lengths, colleges)
    served = compact_module(network)
    with torch.inference_mode():
        actual = served(grades, lengths, colleges)
    assert actual.shape == (500, 3)
    assert actual.dtype == torch.float64
    torch.testing.assert_close(actual, expected.double(), atol=1e-5, rtol=0)


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
            output = served(grades, torch.full((3,), length), torch.tensor([115, -1, 999]))
            assert output.shape == (3, 3)
            # The same history padded to the full width gives the same answer, up to float64
            # rounding: the width changes the order in which the matrix products sum.
            wide = torch.cat([grades, torch.full((3, 4 - length), 99.0)], 1)
            widened = served(wide, torch.full((3,), length), torch.tensor([115, -1, 999]))
            torch.testing.assert_close(widened, output, atol=1e-12, rtol=0)


def test_unknown_and_missing_college_share_the_unknown_slot() -> None:
    served = compact_module(random_network(False))
    grades = torch.tensor([[7.1, 7.4, 7.9, 8.0]]).repeat(3, 1)
    with torch.inference_mode():
        output = served(grades, torch.full((3,), 4), torch.tensor([-1, 999, 12345]))
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

"""The README's promise about a reload: a model whose request limits differ from the ones the
running service publishes (history length, grade scale, kind of code) is refused with a 409,
and the old model goes on serving. The grade-scale case is in test_admin.py; here, the
history length and the kind of code.

The new model is a valid new version of the committed checkpoint (harness/checkpoints.py)
whose card claims another history length, or string codes: its sha256 and golden examples
hold, so only the limits can refuse it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.model.card import ModelCard
from harness.checkpoints import derived_checkpoint
from tests.conftest import MODEL_PATH

ADMIN_KEY = "admin-key-0123456789abcdef"
ADMIN = {"X-Admin-Key": ADMIN_KEY}
# The committed model's longest history, as the README states it.
COMMITTED_HISTORY = 4


def claim_history(model_path: Path, longest: int) -> None:
    """Rewrites the card beside `model_path` to claim histories of up to `longest` terms."""
    card_path = model_path.with_suffix(".json")
    card = ModelCard.read(card_path)
    ranges = card.grade_range_by_position
    means = card.grade_mean_by_position
    extra = longest - len(ranges)
    card.model_copy(
        update={
            "max_history": longest,
            "term_count": longest + 1,
            "grade_range_by_position": ranges[:longest] + ranges[-1:] * extra,
            "grade_mean_by_position": means[:longest] + means[-1:] * extra,
            # A format 3 card's cells must be of lengths it claims.
            "interval": card.interval.model_copy(
                update={
                    "group_cells": [c for c in card.interval.group_cells if c.length <= longest]
                }
            ),
            # A path's cells and golden paths are of the module's own terms, which this claim
            # changes: the claim is made on a format 3 card, without a path, so that only the
            # limits refuse it.
            "format_version": min(card.format_version, 3),
            "path": None,
            "golden_examples": [
                example.model_copy(update={"path": None}) for example in card.golden_examples
            ],
        }
    ).write(card_path)


def claim_string_codes(model_path: Path) -> None:
    """Rewrites the card beside `model_path` to hold its codes as strings ("165" for 165):
    each keeps its position, so the module, and so the golden examples, answer alike."""
    card_path = model_path.with_suffix(".json")
    card = ModelCard.read(card_path)
    codes = [str(code) for code in card.group.codes]
    golden = [
        example.model_copy(
            update={
                "college_code": None if example.college_code is None else str(example.college_code)
            }
        )
        for example in card.golden_examples
    ]
    cells = [
        cell.model_copy(update={"group": str(cell.group)}) for cell in card.interval.group_cells
    ]
    path = card.path
    if path is not None:  # format 4: the path's group cells name the codes too
        path = path.model_copy(
            update={
                "cells": [
                    cell.model_copy(
                        update={"group": None if cell.group is None else str(cell.group)}
                    )
                    for cell in path.cells
                ]
            }
        )
    card.model_copy(
        update={
            "group": card.group.model_copy(update={"codes": codes}),
            "golden_examples": golden,
            "interval": card.interval.model_copy(update={"group_cells": cells}),
            "path": path,
        }
    ).write(card_path)


@pytest.fixture
def admin_client(make_client: Callable[..., TestClient], model_copy: Path) -> TestClient:
    return make_client(model_path=model_copy, admin_key=ADMIN_KEY)


def published_history(client: TestClient) -> int:
    body = client.get("/openapi.json").json()["paths"]["/predict"]["post"]["requestBody"]
    return body["content"]["application/json"]["schema"]["properties"]["grades"]["maxItems"]


@pytest.mark.parametrize(
    "change",
    [
        lambda path: claim_history(path, COMMITTED_HISTORY - 1),
        lambda path: claim_history(path, COMMITTED_HISTORY + 1),
        claim_string_codes,
    ],
    ids=["shorter history", "longer history", "string codes"],
)
def test_a_model_with_other_request_limits_is_refused_and_the_old_one_serves(
    admin_client: TestClient, model_copy: Path, change: Callable[[Path], None]
) -> None:
    four_grades = {"grades": [7.1, 7.4, 7.9, 8.0], "college_code": 165}
    before = admin_client.post("/predict", json=four_grades).json()
    assert published_history(admin_client) == COMMITTED_HISTORY

    derived_checkpoint(MODEL_PATH, model_copy, nudge=0.05)
    change(model_copy)
    response = admin_client.post("/admin/reload", headers=ADMIN)

    assert response.status_code == 409, response.text
    message = response.json()["message"]
    assert str(model_copy) in message and "restart the service to serve it" in message
    assert admin_client.get("/health/ready").status_code == 200
    assert admin_client.post("/predict", json=four_grades).json() == before
    assert published_history(admin_client) == COMMITTED_HISTORY
    too_long = admin_client.post("/predict", json={"grades": [7.0] * (COMMITTED_HISTORY + 1)})
    assert too_long.status_code == 422
    metrics = admin_client.get("/metrics").text
    assert 'cgpa_model_reloads_total{outcome="refused"} 1.0' in metrics

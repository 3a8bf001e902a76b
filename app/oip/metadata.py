"""The protocol's server and model metadata answers, from the served card and limits."""

from __future__ import annotations

from typing import Any

from app.api.schemas import Limits
from app.model.card import NO_COLLEGE
from app.model.predictor import Predictor
from app.oip.schemas import COLLEGE_CODE, GRADES, OUTPUT_NAMES

MODEL_NAME = "cgpa_rnn"
PLATFORM = "pytorch_torchscript"


def model_metadata(predictor: Predictor, limits: Limits) -> dict[str, Any]:
    card = predictor.card
    low, high = limits.scale
    batch_note = f"one row per student, at most {limits.max_batch} rows (CGPA_MAX_BATCH)"
    return {
        "name": MODEL_NAME,
        "versions": [card.model_version],
        "platform": PLATFORM,
        "inputs": [
            {
                "name": GRADES,
                "datatype": "FP32",
                "shape": [-1, -1],
                "parameters": {
                    "description": f"Grades {low:g}-{high:g} of the semesters so far, oldest "
                    f"first, {batch_note}; FP64 accepted. Every history in one request has "
                    "the same length (the tensor's second dimension), 1 to "
                    f"{limits.max_history}."
                },
            },
            {
                "name": COLLEGE_CODE,
                "datatype": "INT64",
                "shape": [-1],
                "parameters": {
                    "description": f"Optional; one code per student, {NO_COLLEGE} for none. "
                    "A code the model does not know uses its unknown-college slot."
                },
            },
        ],
        "outputs": [{"name": output, "datatype": "FP32", "shape": [-1]} for output in OUTPUT_NAMES],
        "parameters": {
            "max_history": limits.max_history,
            "max_batch": limits.max_batch,
            "grade_scale": [low, high],
            "interval_level": card.interval.level,
        },
    }

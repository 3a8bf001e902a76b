"""The protocol's server and model metadata answers, from the served card and limits."""

from __future__ import annotations

from typing import Any

from app.model.card import NO_COLLEGE
from app.model.limits import Limits
from app.model.predictor import Predictor
from app.oip.schemas import COLLEGE_CODE, FORECAST_ID_OUTPUT, GRADES, OUTPUT_NAMES, STUDENT_ID

MODEL_NAME = "cgpa_rnn"
PLATFORM = "pytorch_torchscript"


def model_metadata(predictor: Predictor, versions: list[str], limits: Limits) -> dict[str, Any]:
    """The metadata of `predictor`; `versions` are all the loaded ones (active first)."""
    card = predictor.card
    low, high = limits.scale
    batch_note = f"one row per student, at most {limits.max_batch} rows (CGPA_MAX_BATCH)"
    strings = limits.code_kind == "string"
    none: int | str = "" if strings else NO_COLLEGE
    return {
        "name": MODEL_NAME,
        "versions": versions,
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
                "datatype": "BYTES" if strings else "INT64",
                "shape": [-1],
                "parameters": {
                    "description": f"Optional; one {card.group.label} code per student, "
                    f"{none!r} for none. A code the model does not know uses its unknown slot."
                },
            },
            {
                "name": STUDENT_ID,
                "datatype": "BYTES",
                "shape": [-1],
                "parameters": {
                    "description": "Optional; one student id per student (1 to 128 printable "
                    "characters, '' for none). Those students' forecasts are recorded and the "
                    f"{FORECAST_ID_OUTPUT} output (BYTES, '' for none) gives their forecast ids."
                },
            },
        ],
        # Conditional outputs (risk_probability, forecast_id) are described by what asks
        # for them: a parameter, an input.
        "outputs": [{"name": output, "datatype": "FP32", "shape": [-1]} for output in OUTPUT_NAMES],
        "parameters": {
            "max_history": limits.max_history,
            "max_batch": limits.max_batch,
            "grade_scale": [low, high],
            "group_label": card.group.label,
            "group_codes": list(card.group.codes),
            "interval_level": card.interval.level,
        },
    }

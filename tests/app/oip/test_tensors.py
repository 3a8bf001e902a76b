"""Students out of Open Inference Protocol tensors (app/oip/tensors.py), without HTTP: what a
request's tensors mean (rows, "no code", flat or nested data), that every check follows the
limits it is given (another scale, history length, batch size or kind of code), and the
`risk_below` parameter and the outputs asked for. The HTTP answers, error by error, are in
test_oip_errors.py; here the reader is built for models other than the committed one too.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from app.api.errors import ApiError
from app.api.request_models import request_models
from app.model.card import ModelCard
from app.model.limits import Limits
from app.oip.schemas import InferenceRequest
from app.oip.tensors import Students, TensorReader, requested_outputs, risk_cutoff
from tests.conftest import MODEL_PATH

COMMITTED = Limits.of(ModelCard.read(MODEL_PATH.with_suffix(".json")), max_batch=1000)
# A university's own model: 0-4 scale, eight terms, string programme codes, small batches.
OWN = Limits(max_history=8, scale=(0.0, 4.0), max_batch=3, code_kind="string")
ALL_OUTPUTS = ["predicted_cgpa", "interval_low", "interval_high"]


def reader_for(limits: Limits) -> TensorReader:
    return TensorReader(limits, request_models(limits).grades)


def inference(grades: dict[str, Any], codes: dict[str, Any] | None = None, **rest: Any):
    inputs = [{"name": "grades", "datatype": "FP32", **grades}]
    if codes is not None:
        inputs.append({"name": "college_code", **codes})
    return InferenceRequest.model_validate({"inputs": inputs, **rest})


def refusal(limits: Limits, request: InferenceRequest) -> str:
    with pytest.raises(ApiError) as raised:
        reader_for(limits).students(request)
    assert raised.value.status == 400
    return raised.value.message


def test_grades_are_rows_of_the_shape_flat_or_nested_alike() -> None:
    flat = inference({"shape": [2, 3], "data": [7.1, 7.4, 7.9, 6.0, 6.5, 5.5]})
    nested = inference({"shape": [2, 3], "data": [[7.1, 7.4, 7.9], [6.0, 6.5, 5.5]]})
    expected = Students([[7.1, 7.4, 7.9], [6.0, 6.5, 5.5]], [None, None])
    assert reader_for(COMMITTED).students(flat) == expected
    assert reader_for(COMMITTED).students(nested) == expected


@pytest.mark.parametrize("datatype", ["INT64", "INT32"])
def test_integer_codes_are_kept_and_minus_one_is_none(datatype: str) -> None:
    request = inference(
        {"shape": [3, 1], "data": [7.0, 6.0, 5.0]},
        {"shape": [3], "datatype": datatype, "data": [165, -1, 999]},
    )
    assert reader_for(COMMITTED).students(request).colleges == [165, None, 999]


def test_string_codes_are_bytes_and_the_empty_string_is_none() -> None:
    request = inference(
        {"shape": [3, 2], "data": [3.2, 3.5, 2.0, 2.5, 3.9, 4.0]},
        {"shape": [3], "datatype": "BYTES", "data": ["CSE", "", "unknown"]},
    )
    assert reader_for(OWN).students(request).colleges == ["CSE", None, "unknown"]


def test_each_model_refuses_the_other_kind_of_code() -> None:
    grades = {"shape": [1, 1], "data": [3.0]}
    strings = {"shape": [1], "datatype": "BYTES", "data": ["CSE"]}
    integers = {"shape": [1], "datatype": "INT64", "data": [165]}
    assert refusal(COMMITTED, inference(grades, strings)).startswith(
        "inputs[1].datatype: college_code must be INT64 or INT32, not 'BYTES'"
    )
    assert refusal(OWN, inference(grades, integers)).startswith(
        "inputs[1].datatype: college_code must be BYTES, not 'INT64'"
    )


def test_grades_are_checked_against_the_models_own_scale() -> None:
    on_scale = inference({"shape": [1, 2], "data": [0.0, 4.0]})
    assert reader_for(OWN).students(on_scale).histories == [[0.0, 4.0]]
    above = inference({"shape": [1, 2], "data": [3.0, 4.5]})
    assert refusal(OWN, above) == "inputs[0].data[1]: 4.5 is above this model's scale 0-4"
    # The same grade is ordinary on the committed model's 0-10 scale.
    assert reader_for(COMMITTED).students(above).histories == [[3.0, 4.5]]


def test_every_bad_value_is_counted_and_the_first_named_where_it_is() -> None:
    nested = inference({"shape": [2, 2], "data": [[3.0, 5.0], [-1.0, 9.0]]})
    assert refusal(OWN, nested) == (
        "inputs[0].data[0][1]: 5 is above this model's scale 0-4 (and 2 more)"
    )


@pytest.mark.parametrize(
    ("shape", "message"),
    [
        ([1, 8], None),
        ([1, 9], "inputs[0].shape[1]: a history should have 1 to 8 semesters"),
        ([3, 1], None),
        ([4, 1], "inputs[0].shape[0]: the batch should have 1 to 3 students (CGPA_MAX_BATCH)"),
    ],
)
def test_history_length_and_batch_size_are_the_models_limits(
    shape: list[int], message: str | None
) -> None:
    request = inference({"shape": shape, "data": [2.0] * math.prod(shape)})
    if message is None:
        assert len(reader_for(OWN).students(request).histories) == shape[0]
    else:
        assert refusal(OWN, request).startswith(message)


def test_college_codes_need_one_per_student() -> None:
    request = inference(
        {"shape": [2, 1], "data": [3.0, 2.0]},
        {"shape": [3], "datatype": "BYTES", "data": ["CSE", "", "ECE"]},
    )
    assert refusal(OWN, request).startswith(
        "inputs[1].shape: college_code must have shape [2] (one code per student, '' for none)"
    )


def with_parameters(**parameters: Any) -> InferenceRequest:
    return inference({"shape": [1, 1], "data": [3.0]}, parameters=parameters)


@pytest.mark.parametrize(("cutoff", "expected"), [(0, 0.0), (2.5, 2.5), (4, 4.0)])
def test_risk_below_is_read_on_the_scale_ends_included(cutoff: float, expected: float) -> None:
    assert risk_cutoff(with_parameters(risk_below=cutoff), OWN.scale) == expected
    assert risk_cutoff(with_parameters(), OWN.scale) is None


@pytest.mark.parametrize(
    ("cutoff", "message"),
    [
        (4.01, "parameters.risk_below: 4.01 is outside this model's scale 0-4"),
        (-0.5, "parameters.risk_below: -0.5 is outside this model's scale 0-4"),
        (True, "parameters.risk_below: must be a finite number on the model's scale"),
        ("2", "parameters.risk_below: must be a finite number on the model's scale"),
        (None, "parameters.risk_below: must be a finite number on the model's scale"),
    ],
)
def test_risk_below_off_the_scale_or_not_a_number_is_refused(cutoff: Any, message: str) -> None:
    with pytest.raises(ApiError) as raised:
        risk_cutoff(with_parameters(risk_below=cutoff), OWN.scale)
    assert (raised.value.status, raised.value.message) == (400, message)


def test_outputs_are_all_by_default_and_the_ones_asked_for_in_their_order() -> None:
    assert requested_outputs(with_parameters(), with_risk=False, with_ids=False) == ALL_OUTPUTS
    assert requested_outputs(with_parameters(), with_risk=True, with_ids=False) == [
        *ALL_OUTPUTS,
        "risk_probability",
    ]
    asked = inference(
        {"shape": [1, 1], "data": [3.0]},
        outputs=[{"name": "risk_probability"}, {"name": "interval_high"}],
    )
    assert requested_outputs(asked, with_risk=True, with_ids=False) == [
        "risk_probability",
        "interval_high",
    ]
    with pytest.raises(ApiError, match="risk_probability needs the request parameter risk_below"):
        requested_outputs(asked, with_risk=False, with_ids=False)

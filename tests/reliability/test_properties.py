"""Properties that hold for every valid input, checked on the model service and over HTTP.

Hypothesis draws the inputs; `derandomize=True` makes every run try the same examples, so
`make test` stays deterministic. The strategies read the history lengths and colleges from
the committed card, so a retrained checkpoint is tested on its own terms.
"""

from __future__ import annotations

import json
import math

import pytest
import torch
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.model.card import ModelCard
from app.model.predictor import Forecast, Predictor, load_predictor
from tests.conftest import MODEL_PATH

CARD = ModelCard.read(MODEL_PATH.with_suffix(".json"))

# In-process examples are cheap (one forward pass); HTTP ones pay for a request each.
SERVICE_SETTINGS = settings(max_examples=150, derandomize=True, deadline=None)
# A batch costs one forward pass per student for the single answers it is compared with.
BATCH_SETTINGS = settings(max_examples=60, derandomize=True, deadline=None)
HTTP_SETTINGS = settings(
    max_examples=100,
    derandomize=True,
    deadline=None,
    # The client is stateless between examples: one app per test is what we want.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

grades = st.floats(min_value=0.0, max_value=10.0, allow_nan=False, allow_infinity=False)
histories = st.lists(grades, min_size=CARD.min_history, max_size=CARD.max_history)
# Known colleges, unknown ones (the model's unknown slot) and none at all.
colleges = st.one_of(
    st.none(), st.sampled_from(CARD.group.codes), st.integers(min_value=0, max_value=2**31 - 1)
)
students = st.tuples(histories, colleges)
batches = st.lists(students, min_size=1, max_size=12)


@pytest.fixture(scope="module")
def predictor() -> Predictor:
    # As the service runs it (CGPA_TORCH_THREADS defaults to 1); more threads only fight
    # over this machine's cores for a model this small.
    torch.set_num_threads(1)
    return load_predictor(MODEL_PATH)


def assert_sane(forecast: Forecast, history: list[float]) -> None:
    values = (forecast.low, forecast.predicted_cgpa, forecast.high)
    assert all(math.isfinite(value) for value in values), forecast
    assert 0.0 <= forecast.low <= forecast.predicted_cgpa <= forecast.high <= 10.0, forecast
    assert forecast.semester == len(history) + 1


def as_json(history: list[float], college: int | None) -> dict:
    return {"grades": history} if college is None else {"grades": history, "college_code": college}


# --- the model service, without HTTP ---------------------------------------------------------


@SERVICE_SETTINGS
@given(student=students)
def test_any_valid_history_gets_a_finite_ordered_forecast_in_range(
    predictor: Predictor, student: tuple[list[float], int | None]
) -> None:
    history, college = student
    (forecast,) = predictor.forecast_batch([history], [college])
    assert_sane(forecast, history)
    assert forecast.college_known is (None if college is None else college in CARD.group.codes)


@SERVICE_SETTINGS
@given(student=students)
def test_the_same_input_gives_the_same_forecast(
    predictor: Predictor, student: tuple[list[float], int | None]
) -> None:
    history, college = student
    assert predictor.forecast_batch([history], [college]) == predictor.forecast_batch(
        [history], [college]
    )


@BATCH_SETTINGS
@given(batch=batches)
def test_a_batch_equals_the_single_forecasts(
    predictor: Predictor, batch: list[tuple[list[float], int | None]]
) -> None:
    together = predictor.forecast_batch(
        [history for history, _ in batch], [code for _, code in batch]
    )
    one_by_one = [predictor.forecast_batch([history], [code])[0] for history, code in batch]
    assert together == one_by_one


@BATCH_SETTINGS
@given(batch=batches, data=st.data())
def test_a_shuffled_batch_gets_the_same_forecasts_shuffled(
    predictor: Predictor, batch: list[tuple[list[float], int | None]], data: st.DataObject
) -> None:
    order = data.draw(st.permutations(range(len(batch))))
    shuffled = [batch[index] for index in order]
    forecasts = predictor.forecast_batch(
        [history for history, _ in batch], [code for _, code in batch]
    )
    shuffled_forecasts = predictor.forecast_batch(
        [history for history, _ in shuffled], [code for _, code in shuffled]
    )
    assert shuffled_forecasts == [forecasts[index] for index in order]


# --- the same over HTTP ----------------------------------------------------------------------


@HTTP_SETTINGS
@given(student=students)
def test_predict_over_http_matches_the_model_service(
    client: TestClient, predictor: Predictor, student: tuple[list[float], int | None]
) -> None:
    history, college = student
    response = client.post("/predict", json=as_json(history, college))
    assert response.status_code == 200, response.text
    answer = response.json()
    (forecast,) = predictor.forecast_batch([history], [college])
    assert answer["predicted_cgpa"] == forecast.predicted_cgpa
    assert answer["interval"]["low"] == forecast.low
    assert answer["interval"]["high"] == forecast.high
    assert answer["semester"] == len(history) + 1
    unknown_college = forecast.college_known is False
    unusual = bool(predictor.unusual_grades([history]))
    assert bool(answer["warnings"]) is (unknown_college or unusual)
    # One warning for an unknown college, one for all of a student's unusual grades.
    assert len(answer["warnings"]) == unknown_college + unusual


@settings(HTTP_SETTINGS, max_examples=50)
@given(batch=batches)
def test_batch_over_http_equals_singles_in_request_order(
    client: TestClient, batch: list[tuple[list[float], int | None]]
) -> None:
    bodies = [as_json(history, college) for history, college in batch]
    response = client.post("/predict/batch", json={"students": bodies})
    assert response.status_code == 200, response.text
    predictions = response.json()["predictions"]
    assert predictions == [client.post("/predict", json=body).json() for body in bodies]


@HTTP_SETTINGS
@given(history=histories, data=st.data())
def test_a_grade_outside_0_to_10_is_a_422_naming_it(
    client: TestClient, history: list[float], data: st.DataObject
) -> None:
    index = data.draw(st.integers(min_value=0, max_value=len(history) - 1))
    history[index] = data.draw(
        st.one_of(
            st.floats(max_value=0.0, exclude_max=True, allow_infinity=False),
            st.floats(min_value=10.0, exclude_min=True, allow_infinity=False),
        ).filter(math.isfinite)
    )
    response = client.post("/predict", json={"grades": history})
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"] == f"grades[{index}]"


# Any JSON document at all: the answer is a 200 or a JSON 422, never a 500.
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.sampled_from(["grades", "college_code", "students", "x"]), children)
    ),
    max_leaves=20,
)


@HTTP_SETTINGS
@given(document=json_values, path=st.sampled_from(["/predict", "/predict/batch"]))
def test_any_json_document_gets_200_or_a_json_422(
    client: TestClient, document: object, path: str
) -> None:
    response = client.post(
        path, content=json.dumps(document), headers={"content-type": "application/json"}
    )
    assert response.status_code in (200, 422), response.text
    if response.status_code == 422:
        body = response.json()
        assert body["error"] == "validation_error"
        assert body["detail"] and all(item["field"] for item in body["detail"])

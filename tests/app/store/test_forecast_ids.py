"""Forecast ids: canonical UUIDs of version 7, ordered by the millisecond they were made."""

from __future__ import annotations

import time
import uuid

from app.store.forecast_ids import new_forecast_id


def test_an_id_is_a_canonical_version_7_uuid_of_now() -> None:
    before = time.time_ns() // 1_000_000
    forecast_id = new_forecast_id()
    after = time.time_ns() // 1_000_000

    parsed = uuid.UUID(forecast_id)
    assert str(parsed) == forecast_id and len(forecast_id) == 36
    assert parsed.version == 7 and parsed.variant == uuid.RFC_4122
    assert before <= parsed.int >> 80 <= after


def test_ids_of_a_later_millisecond_sort_after_and_none_repeat() -> None:
    earlier = [new_forecast_id() for _ in range(1000)]
    time.sleep(0.002)
    later = new_forecast_id()

    assert all(forecast_id < later for forecast_id in earlier)
    assert len(set(earlier)) == len(earlier)

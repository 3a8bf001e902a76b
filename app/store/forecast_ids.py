"""Forecast ids: time-ordered UUIDs (version 7, RFC 9562) in the canonical text form.

Why not UUID4: the id is the forecasts table's primary key, and a random key lands each new
row at a random place in that index, so a large batch touches a page of the index per row.
A version 7 id starts with the Unix time in milliseconds, so new rows go to the index's end
(docs/performance.md, Recording). To a client it is the same: 36 characters, unique, opaque.
The 74 random bits keep ids made in the same millisecond, or by other workers and replicas,
apart; a clock stepping back only costs locality, never uniqueness.
"""

from __future__ import annotations

import os
import time

RANDOM_BITS = 80
# The version (0b0111) and variant (0b10) fields, at their places in the low 80 bits.
VERSION_AND_VARIANT = (0x7 << 76) | (0b10 << 62)
RANDOM_MASK = ((1 << RANDOM_BITS) - 1) & ~(0xF << 76) & ~(0b11 << 62)


def new_forecast_id() -> str:
    milliseconds = time.time_ns() // 1_000_000
    random = int.from_bytes(os.urandom(RANDOM_BITS // 8), "big") & RANDOM_MASK
    digits = f"{(milliseconds << RANDOM_BITS) | VERSION_AND_VARIANT | random:032x}"
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


def new_forecast_ids(count: int) -> list[str]:
    """`count` ids of this millisecond, from one read of the system's random source (a
    read per id was a system call per recorded forecast)."""
    milliseconds = (time.time_ns() // 1_000_000) << RANDOM_BITS
    randomness = os.urandom(count * RANDOM_BITS // 8)
    step = RANDOM_BITS // 8
    ids = []
    for start in range(0, count * step, step):
        random = int.from_bytes(randomness[start : start + step], "big") & RANDOM_MASK
        digits = f"{milliseconds | VERSION_AND_VARIANT | random:032x}"
        ids.append(f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}")
    return ids

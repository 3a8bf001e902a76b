"""Request bodies: strict JSON, validated by a pydantic model in one pass.

Strict means what RFC 8259 says and a little more: no `NaN`/`Infinity` literals, no key
given twice in one object (which value would a client have meant?), UTF-8 only, bounded
nesting. pydantic's JSON validator does the parsing and validating in Rust, but it accepts
`NaN` and keeps the last of duplicated keys. So every body is validated first, and then:

- a body that failed is parsed again strictly (jiter, which pydantic's parser is built on,
  with duplicate-key detection), so that a JSON-level problem is reported as such;
- a body that passed needs proof that no key was duplicated. A model can offer a cheap one:
  `literal_keys` names the keys its objects may hold and how many keys they held in all
  once parsed. With no backslash in the body, no key can be spelled with escapes, so each
  key held occurs literally in the bytes at least once; a duplicated key, or a key's text
  inside a string value, only adds occurrences. So when the keys' literal occurrences sum to
  exactly the number held, each object held each key once. Without that proof, the strict
  parse decides.
"""

from __future__ import annotations

from typing import TypeVar

import jiter
from pydantic import BaseModel, ValidationError

from app.api.validation import invalid_json, invalid_request

Model = TypeVar("Model", bound=BaseModel)


def parse_body(body: bytes, model: type[Model], scale: tuple[float, float]) -> Model:
    """The validated body, or an ApiError 422 naming the field (or the JSON problem)."""
    try:
        parsed = model.model_validate_json(body)
    except ValidationError as error:
        check_strict_json(body)
        raise invalid_request(error.errors(include_url=False), scale) from None
    if not _keys_proven_unique(body, parsed):
        check_strict_json(body)
    return parsed


def check_strict_json(body: bytes) -> None:
    """Raises the 422 for a body that is not strict JSON; returns if it is."""
    if body.startswith(b"\xef\xbb\xbf"):
        raise invalid_json("the body starts with a byte order mark; send UTF-8 without one")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise invalid_json(f"body is not valid UTF-8 (at byte {error.start})") from None
    try:
        jiter.from_json(body, allow_inf_nan=False, catch_duplicate_keys=True, cache_mode="none")
    except ValueError as error:
        reason = str(error)
        if ("expected value" in reason or "invalid number" in reason) and _parses_with_nan(body):
            reason = "NaN and Infinity are not JSON numbers; send finite numbers"
        elif "recursion limit" in reason:
            reason = "nested too deeply"
        raise invalid_json(reason) from None


def _parses_with_nan(body: bytes) -> bool:
    try:
        jiter.from_json(body, allow_inf_nan=True, cache_mode="none")
    except ValueError:
        return False
    return True


def _keys_proven_unique(body: bytes, parsed: BaseModel) -> bool:
    literal_keys = getattr(parsed, "literal_keys", None)
    if literal_keys is None or b"\\" in body:
        return False
    keys, held = literal_keys()
    return sum(map(body.count, keys)) == held

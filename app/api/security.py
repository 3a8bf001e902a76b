"""The optional API key: when CGPA_API_KEY is set, guarded routes need header X-API-Key."""

from __future__ import annotations

import secrets

from fastapi.security import APIKeyHeader
from pydantic import SecretStr
from starlette.datastructures import Headers

from app.api.errors import ApiError

HEADER = "X-API-Key"
ADMIN_HEADER = "X-Admin-Key"
MISSING_KEY = "missing API key: send it in the X-API-Key header"
WRONG_KEY = "wrong API key in the X-API-Key header"
MISSING_ADMIN_KEY = "missing admin key: send it in the X-Admin-Key header"
WRONG_ADMIN_KEY = "wrong admin key in the X-Admin-Key header"
REPEATED_KEY = "{header}: sent {count} times; send the key once"
CHALLENGE = {"WWW-Authenticate": "APIKey"}

# Only for the OpenAPI document (padlocks on guarded routes when a key is set); the check
# itself is `check_api_key`, called by the request path.
documented_key = APIKeyHeader(name=HEADER, auto_error=False)


def check_api_key(headers: Headers, expected: SecretStr | None) -> None:
    check_key(headers, expected, HEADER, MISSING_KEY, WRONG_KEY)


def check_admin_key(headers: Headers, expected: SecretStr | None) -> None:
    check_key(headers, expected, ADMIN_HEADER, MISSING_ADMIN_KEY, WRONG_ADMIN_KEY)


def check_key(
    headers: Headers, expected: SecretStr | None, header: str, missing: str, wrong: str
) -> None:
    """Nothing when no key is configured; else 400 if `header` is repeated, and 401 unless
    it holds exactly the key."""
    if expected is None:
        return
    supplied_all = headers.getlist(header)
    if len(supplied_all) > 1:
        # Which of two keys would a client have meant? Taking the first (or the last) made
        # right-then-wrong pass and wrong-then-right fail. 400, not 401: the request is
        # malformed whatever the keys are, so the answer says to fix it rather than to try
        # another key, and it is given before any key is compared, so it tells nothing
        # about either of them.
        raise ApiError(400, REPEATED_KEY.format(header=header, count=len(supplied_all)))
    supplied = supplied_all[0] if supplied_all else ""
    if not supplied:
        raise ApiError(401, missing, headers=CHALLENGE)
    # Constant time, so the answer's timing reveals nothing about how much of a guess matched.
    if not secrets.compare_digest(supplied.encode(), expected.get_secret_value().encode()):
        raise ApiError(401, wrong, headers=CHALLENGE)

"""Optional API key: when CGPA_API_KEY is set, protected routes require header X-API-Key."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import APIKeyHeader

MISSING_KEY = "missing API key: send it in the X-API-Key header"
WRONG_KEY = "wrong API key in the X-API-Key header"

_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)


async def require_api_key(
    request: Request, supplied: Annotated[str | None, Depends(_api_key_header)]
) -> None:
    expected = request.app.state.settings.api_key
    if expected is None:
        return
    if not supplied:
        raise HTTPException(401, MISSING_KEY, headers={"WWW-Authenticate": "APIKey"})
    # Constant time, so the answer's timing reveals nothing about how much of a guess matched.
    if not secrets.compare_digest(supplied.encode(), expected.get_secret_value().encode()):
        raise HTTPException(401, WRONG_KEY, headers={"WWW-Authenticate": "APIKey"})


ApiKeyDep = Depends(require_api_key)

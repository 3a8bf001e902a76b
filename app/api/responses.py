"""A JSON response rendered by orjson: several times faster than json.dumps for our bodies."""

from typing import Any

import orjson
from starlette.responses import JSONResponse


class FastJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)

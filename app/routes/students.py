"""DELETE /students/{student_id}: erase one student's forecasts and outcomes.

Included only when CGPA_ADMIN_KEY is set, and guarded by it (without a key the route does
not exist, like the admin routes). The erasure is audited in the store without the id.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from starlette.convertors import Convertor, register_url_convertor

from app.api.error_answers import error_answers
from app.api.errors import ApiError
from app.api.request_models import NOT_PRINTABLE, STUDENT_ID_MAX_LENGTH
from app.api.request_path import Call, Guard, RouteContract, answer
from app.api.responses import FastJSONResponse
from app.api.store_access import STORE_ANSWERS, in_store, ready_store
from app.store.privacy import erase_student


class AnyText(Convertor[str]):
    """The rest of the path, line breaks and slashes included: Starlette's `path` stops at a
    line break, and an id holding one must be answered 422 naming it, not 404."""

    regex = "[\\s\\S]*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("any_text", AnyText())


def checked_student_id(student_id: str) -> str:
    problem = None
    if not student_id:
        problem = "must not be empty"
    elif len(student_id) > STUDENT_ID_MAX_LENGTH:
        problem = f"has {len(student_id)} characters; at most {STUDENT_ID_MAX_LENGTH}"
    elif not student_id.isprintable():
        problem = NOT_PRINTABLE
    if problem is None:
        return student_id
    detail = [{"field": "student_id", "message": problem, "type": "invalid_student_id"}]
    raise ApiError(422, f"student_id: {problem}", detail)


async def erase(call: Call) -> Response:
    student_id = checked_student_id(call.request.path_params["student_id"])
    removed = await in_store(erase_student, ready_store(call.state), student_id)
    return FastJSONResponse({"forecasts": removed.forecasts, "outcomes": removed.outcomes})


ERASE = RouteContract(
    erase,
    guard=Guard.ADMIN_KEY,
    reads_body=False,
    own_errors={422: "The student id is not 1-128 printable characters.", 503: STORE_ANSWERS},
)

router = APIRouter(tags=["privacy"])


@router.delete(
    "/students/{student_id:any_text}",
    summary="Erase a student's forecasts and outcomes",
    description="Deletes every forecast and outcome recorded for this student id in one "
    "transaction and answers how many; the erasure is audited with its time and counts, "
    "never the id. An id never seen erases nothing (0 and 0).",
    responses={
        200: {"description": '`{"forecasts": n, "outcomes": m}`: the rows erased.'},
        **error_answers(ERASE),
    },
)
async def erase_route(
    request: Request,
    # Declared for the docs only: the work reads and checks it (`checked_student_id`), so its
    # 422 is worded like every other.
    student_id: Annotated[str, Path(description="The student id, 1-128 printable characters.")],
) -> Response:
    return await answer(request, ERASE)

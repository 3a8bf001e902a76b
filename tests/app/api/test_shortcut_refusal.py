"""The route shortcut (app/api/shortcut.py) refuses, when the app is built, an endpoint it
would call without something FastAPI resolves for it."""

from __future__ import annotations

import pytest
from fastapi import APIRouter, Depends, Request, Response, Security
from fastapi.routing import APIRoute

from app.api.security import documented_key
from app.api.shortcut import ShortcutRefused, shortcut_table


def needs_a_session() -> str:
    return "session"


async def with_dependency(request: Request, session: str = Depends(needs_a_session)) -> Response:
    return Response(session)


async def with_query(request: Request, limit: int = 10) -> Response:
    return Response(str(limit))


async def plain(request: Request, name: str) -> Response:
    return Response(name)


def route_of(endpoint, path: str = "/work/{name}", **options) -> APIRoute:
    router = APIRouter(**options)
    router.add_api_route(path, endpoint, methods=["POST"])
    (route,) = router.routes
    assert isinstance(route, APIRoute)
    return route


def test_an_endpoint_with_a_dependency_is_refused_by_name() -> None:
    route = route_of(with_dependency, "/work")
    with pytest.raises(ShortcutRefused, match=r"with_dependency \(/work\).*needs_a_session"):
        shortcut_table([(route, {})])


def test_a_router_level_dependency_is_refused_too() -> None:
    route = route_of(plain, dependencies=[Depends(needs_a_session)])
    with pytest.raises(ShortcutRefused, match="plain .*dependency needs_a_session"):
        shortcut_table([(route, {"name": "x"})])


def test_an_endpoint_with_a_query_parameter_is_refused() -> None:
    route = route_of(with_query, "/work")
    with pytest.raises(ShortcutRefused, match="with_query .*query parameter limit"):
        shortcut_table([(route, {})])


def test_a_path_parameter_the_table_does_not_supply_is_refused() -> None:
    with pytest.raises(ShortcutRefused, match=r"plain .*path parameters \['name'\]"):
        shortcut_table([(route_of(plain), {})])


def test_the_documentation_only_key_is_allowed() -> None:
    route = route_of(plain, dependencies=[Security(documented_key)])
    table = shortcut_table([(route, {"name": "cgpa_rnn"})])
    assert table == {"/work/cgpa_rnn": (route, {"name": "cgpa_rnn"})}


def test_the_service_builds_with_its_shortcuts(make_client) -> None:
    # The prediction and inference routes, guarded docs included, pass the check.
    client = make_client(api_key="k" * 16)
    assert client.post("/predict", json={"grades": [7.0]}).status_code == 401

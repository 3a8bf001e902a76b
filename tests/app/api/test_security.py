"""The optional API key: protected routes need it, health, metrics and docs stay open."""

from __future__ import annotations

import ast

import pytest
from fastapi.testclient import TestClient

from app.api.security import MISSING_KEY, WRONG_KEY
from tests.conftest import ROOT, TEST_API_KEY

EXAMPLE = {"grades": [7.1, 7.4, 7.9, 8.0]}


@pytest.fixture
def locked(make_client) -> TestClient:
    return make_client(api_key=TEST_API_KEY)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/predict", EXAMPLE),
        ("POST", "/predict/batch", {"students": [EXAMPLE]}),
        ("GET", "/model", None),
    ],
)
def test_protected_routes_need_the_key(locked: TestClient, method, path, body) -> None:
    missing = locked.request(method, path, json=body)
    assert missing.status_code == 401
    assert missing.json()["message"] == MISSING_KEY
    wrong = locked.request(method, path, json=body, headers={"X-API-Key": "x" * 24})
    assert wrong.status_code == 401
    assert wrong.json()["message"] == WRONG_KEY
    right = locked.request(method, path, json=body, headers={"X-API-Key": TEST_API_KEY})
    assert right.status_code == 200


@pytest.mark.parametrize("path", ["/health/live", "/health/ready", "/metrics", "/docs"])
def test_open_routes_need_no_key(locked: TestClient, path: str) -> None:
    assert locked.get(path).status_code == 200


def test_non_ascii_key_is_refused_not_crashed(locked: TestClient) -> None:
    response = locked.post("/predict", json=EXAMPLE, headers={"X-API-Key": "clé-ünïcode".encode()})
    assert response.status_code == 401


def test_short_api_key_setting_is_refused() -> None:
    from pydantic import ValidationError

    from app.config import Settings

    with pytest.raises(ValidationError, match="at least 16 characters"):
        Settings(_env_file=None, api_key="short")


def test_blank_api_key_setting_means_no_key() -> None:
    from app.config import Settings

    assert Settings(_env_file=None, api_key="").api_key is None


def test_the_docs_show_no_padlock_when_no_key_is_set(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "securitySchemes" not in spec.get("components", {})
    assert not any(
        "security" in operation for path in spec["paths"].values() for operation in path.values()
    )


def test_the_docs_show_the_key_on_guarded_routes_when_one_is_set(make_client) -> None:
    spec = make_client(api_key=TEST_API_KEY).get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["APIKeyHeader"]["name"] == "X-API-Key"
    guarded = {"/predict", "/predict/batch", "/model", "/v2/models/{name}/infer"}
    for path in guarded:
        (operation,) = spec["paths"][path].values()
        assert operation["security"] == [{"APIKeyHeader": []}], path
    assert "security" not in spec["paths"]["/health/ready"]["get"]


def test_every_key_comparison_in_the_app_is_constant_time() -> None:
    """Timing is not asserted (that belongs in bench/); the code is: the configured key is
    only ever compared with `secrets.compare_digest`, never with == or !=."""
    for source_path in sorted((ROOT / "app").rglob("*.py")):
        tree = ast.parse(source_path.read_text(), filename=str(source_path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare) and any(
                isinstance(op, ast.Eq | ast.NotEq) for op in node.ops
            ):
                operands = [node.left, *node.comparators]
                secret = any("get_secret_value" in ast.unparse(item) for item in operands)
                # Against a literal (e.g. "is the setting blank?") nothing secret can leak.
                other = any(not isinstance(item, ast.Constant) for item in operands[1:])
                assert not (secret and other), (
                    f"{source_path.relative_to(ROOT)}:{node.lineno} compares the key with =="
                )
    security = (ROOT / "app" / "api" / "security.py").read_text()
    assert "secrets.compare_digest(" in security

"""Static checks of the container recipe: the image runs as non-root, compose runs it with a
read-only root filesystem, and nothing but the service (no training code, data or secrets)
reaches the image.

The files are parsed, not grepped: Dockerfile instructions with their continuation lines,
the .dockerignore with Docker's own rules (last match wins, `!` re-includes, a pattern also
matches everything under a matching folder) applied to the real files of this tree, and the
compose file as YAML. `scripts/docker-check.sh` checks a built image with Docker itself.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from harness.live_server import ROOT

# What the image needs, and all it may get from the build context.
ALLOWED_IN_CONTEXT = re.compile(
    r"^(app/.+|models/cgpa_rnn\.pt|models/cgpa_rnn\.json|pyproject\.toml|README\.md)$"
)
# What the COPY instructions may read from the context (the same things, as written there).
COPY_SOURCES = {
    "app",
    "app/",
    "models/cgpa_rnn.pt",
    "models/cgpa_rnn.json",
    "pyproject.toml",
    "README.md",
}
SECRET_NAME = re.compile(r"KEY|SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL", re.IGNORECASE)
ROOT_USERS = {"root", "0", "0:0", "root:root"}


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str


def dockerfile_instructions(text: str) -> list[Instruction]:
    """Instructions in order, continuation lines joined, comments dropped."""
    instructions, pending = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):  # a comment inside a continued instruction
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        keyword, _, arguments = (pending + stripped).partition(" ")
        instructions.append(Instruction(keyword.upper(), arguments.strip()))
        pending = ""
    return instructions


def final_stage(instructions: list[Instruction]) -> list[Instruction]:
    starts = [index for index, item in enumerate(instructions) if item.keyword == "FROM"]
    return instructions[starts[-1] :]


INSTRUCTIONS = dockerfile_instructions((ROOT / "Dockerfile").read_text())
RUNTIME = final_stage(INSTRUCTIONS)


def copy_sources(instruction: Instruction) -> list[str]:
    """The build-context paths a COPY/ADD reads (none for `--from=` copies between stages)."""
    words = shlex.split(instruction.arguments)
    flags = [word for word in words if word.startswith("--")]
    if any(flag.startswith("--from=") for flag in flags):
        return []
    paths = [word for word in words if not word.startswith("--")]
    return paths[:-1]  # the last one is the destination


# --- the Dockerfile ---------------------------------------------------------------------------


def test_the_runtime_stage_runs_as_a_non_root_user() -> None:
    users = [item.arguments for item in RUNTIME if item.keyword == "USER"]
    assert users, "the runtime stage never sets USER, so it runs as root"
    assert users[-1] not in ROOT_USERS
    # USER comes before what starts the service, so CMD and HEALTHCHECK run as that user.
    last_user = max(index for index, item in enumerate(RUNTIME) if item.keyword == "USER")
    assert last_user < next(index for index, item in enumerate(RUNTIME) if item.keyword == "CMD")


def test_the_runtime_user_exists_with_that_uid() -> None:
    (uid,) = [item.arguments for item in RUNTIME if item.keyword == "USER"][-1:]
    created = [item.arguments for item in RUNTIME if "useradd" in item.arguments]
    assert any(f"--uid {uid}" in command for command in created), created


def test_only_the_service_is_copied_from_the_build_context() -> None:
    sources = [
        source
        for item in INSTRUCTIONS
        if item.keyword in ("COPY", "ADD")
        for source in copy_sources(item)
    ]
    assert sources, "no COPY found: the parser is wrong"
    assert set(sources) <= COPY_SOURCES, set(sources) - COPY_SOURCES
    assert "app" in sources and "models/cgpa_rnn.pt" in sources


def test_nothing_is_fetched_with_add() -> None:
    assert not [item for item in INSTRUCTIONS if item.keyword == "ADD"]


def test_no_secret_is_baked_into_the_image() -> None:
    for item in INSTRUCTIONS:
        if item.keyword in ("ENV", "ARG"):
            names = re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=", item.arguments) or [
                item.arguments.split()[0]
            ]
            assert not [name for name in names if SECRET_NAME.search(name)], item


def test_the_service_is_pid_1_so_sigterm_reaches_uvicorn() -> None:
    (command,) = [item.arguments for item in RUNTIME if item.keyword == "CMD"]
    # Exec form (a JSON list, which YAML reads) and no shell: the launcher is PID 1 and gets
    # SIGTERM itself; `python -m app` then exits 0 after the graceful shutdown.
    assert yaml.safe_load(command)[:3] == ["python", "-m", "app"]


def test_the_image_health_check_asks_readiness() -> None:
    (check,) = [item.arguments for item in RUNTIME if item.keyword == "HEALTHCHECK"]
    assert "/health/ready" in check


# --- the .dockerignore, applied to the files of this tree ------------------------------------


@dataclass(frozen=True)
class IgnoreRule:
    glob: str
    pattern: re.Pattern[str]
    include: bool  # a `!` rule


def ignore_rules(text: str) -> list[IgnoreRule]:
    rules = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        include = line.startswith("!")
        glob = line.removeprefix("!").strip().strip("/")
        rules.append(IgnoreRule(glob, re.compile(glob_to_regex(glob)), include))
    return rules


def glob_to_regex(glob: str) -> str:
    """Docker's (Go filepath.Match plus `**`) pattern syntax as a regular expression."""
    parts = []
    for token in re.split(r"(\*\*/|\*\*|\*|\?)", glob):
        parts.append(
            {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}.get(token, re.escape(token))
        )
    return "^" + "".join(parts) + "$"


def is_ignored(path: str, rules: list[IgnoreRule]) -> bool:
    """Last matching rule wins; a rule matches a path or any folder above it."""
    parents = [path]
    while "/" in parents[-1]:
        parents.append(parents[-1].rsplit("/", 1)[0])
    ignored = False
    for rule in rules:
        if any(rule.pattern.match(candidate) for candidate in parents):
            ignored = not rule.include
    return ignored


def build_context(rules: list[IgnoreRule]) -> list[str]:
    """Every file of this tree that `docker build .` would send."""
    # A top-level folder is walked if it is not ignored or a `!` rule may re-include
    # something in it (a `!` rule starting with a wildcard could, anywhere).
    reincluded_tops = {rule.glob.split("/")[0] for rule in rules if rule.include}
    prune = not any(top.startswith(("*", "?")) for top in reincluded_tops)
    sent = []
    for folder, subfolders, files in os.walk(ROOT):
        relative = Path(folder).relative_to(ROOT).as_posix()
        if relative == ".":
            # An ignored top-level folder nothing re-includes is skipped (e.g. .venv, .git).
            subfolders[:] = [
                name
                for name in subfolders
                if not prune or not is_ignored(name, rules) or name in reincluded_tops
            ]
        for name in files:
            path = name if relative == "." else f"{relative}/{name}"
            if not is_ignored(path, rules):
                sent.append(path)
    return sorted(sent)


RULES = ignore_rules((ROOT / ".dockerignore").read_text())
CONTEXT = build_context(RULES)


def test_dockerignore_lets_through_only_the_service() -> None:
    assert CONTEXT, "the build context is empty"
    unexpected = [path for path in CONTEXT if not ALLOWED_IN_CONTEXT.match(path)]
    assert not unexpected


def test_dockerignore_lets_through_what_the_image_needs() -> None:
    for needed in ("app/main.py", "pyproject.toml", "models/cgpa_rnn.pt", "models/cgpa_rnn.json"):
        if (ROOT / needed).exists():
            assert needed in CONTEXT, needed


@pytest.mark.parametrize(
    "path",
    [
        "training/model/fit.py",
        "tests/conftest.py",
        ".env",
        ".env.example",
        "data/student-semester-result.csv",
        "models/other.pt",
        "reports/eval/index.html",
        "app/__pycache__/main.cpython-311.pyc",
        ".git/config",
        ".venv/bin/python",
        "bench/soak.py",
    ],
)
def test_dockerignore_keeps_out(path: str) -> None:
    # Checked on names, whether or not the file exists in this checkout.
    assert is_ignored(path, RULES)


# --- docker-compose.yml -------------------------------------------------------------------------

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_compose_runs_read_only_with_a_tmpfs(name: str) -> None:
    service = SERVICES[name]
    assert service.get("read_only") is True
    tmpfs = service.get("tmpfs", [])
    mounts = [tmpfs] if isinstance(tmpfs, str) else tmpfs
    assert "/tmp" in [mount.split(":")[0] for mount in mounts]


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_compose_keeps_the_image_user_and_drops_privileges(name: str) -> None:
    service = SERVICES[name]
    # No `user:` keeps the image's non-root USER; one that is set must not be root.
    assert str(service.get("user", "")) not in ROOT_USERS
    assert "ALL" in service.get("cap_drop", [])
    assert "no-new-privileges:true" in service.get("security_opt", [])
    assert service.get("privileged") is not True


def test_compose_keeps_the_sqlite_store_in_a_named_volume() -> None:
    (workdir,) = [item.arguments for item in RUNTIME if item.keyword == "WORKDIR"]
    volume, path = SERVICES["api"]["volumes"][0].split(":")
    assert path == f"{workdir}/data"  # where the default CGPA_DATABASE_URL puts the file
    assert volume in COMPOSE["volumes"]
    # The image makes that folder the service user's, so an empty named volume is writable.
    (user,) = [item.arguments for item in RUNTIME if item.keyword == "USER"][-1:]
    made = [item.arguments for item in RUNTIME if item.keyword == "RUN"]
    assert any(f"chown {user}:{user} {workdir}/data" in command for command in made), made


def test_the_postgres_profile_runs_postgresql_15_and_points_an_api_at_it() -> None:
    postgres, api = SERVICES["postgres"], SERVICES["api-postgres"]
    assert postgres["profiles"] == api["profiles"] == ["postgres"]
    assert postgres["image"] == "postgres:15"
    assert any(mount.endswith(":/var/lib/postgresql/data") for mount in postgres["volumes"])
    url = api["environment"]["CGPA_DATABASE_URL"]
    assert url.startswith("postgresql://") and "@postgres:5432/" in url
    assert api["environment"]["CGPA_ID_KEY"] == "${CGPA_ID_KEY:-}"
    assert api["depends_on"]["postgres"]["condition"] == "service_healthy"
    # Both apis can run at once: different host ports.
    assert api["ports"] != SERVICES["api"]["ports"]


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_compose_takes_secrets_from_the_environment_never_from_the_file(name: str) -> None:
    environment = SERVICES[name].get("environment", {})
    if isinstance(environment, list):
        environment = dict(entry.split("=", 1) for entry in environment if "=" in entry)
    for variable, value in environment.items():
        if SECRET_NAME.search(variable):
            assert re.fullmatch(r"\$\{[A-Z0-9_]+(:?-)?\}", str(value)), (variable, value)

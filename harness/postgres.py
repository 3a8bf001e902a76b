"""PostgreSQL for tests and benchmarks: a database of one's own on the shared server, and a
throwaway cluster of one's own that a test may stop and start.

The shared server is the one `scripts/ensure-postgres.sh` makes sure of (127.0.0.1:5432,
trust auth, database `test`); `CGPA_TEST_POSTGRES_URL` points elsewhere. Nothing here ever
stops the shared server: a test that needs an outage makes a `ThrowawayCluster`.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from harness.live_server import free_port

SHARED_URL = os.environ.get("CGPA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
POSTGRES_BIN = Path(os.environ.get("CGPA_TEST_POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))


def _admin_engine(url: str) -> sa.Engine:
    driver_url = sa.make_url(url).set(drivername="postgresql+psycopg")
    return sa.create_engine(
        driver_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )


def unreachable_reason(url: str = SHARED_URL) -> str | None:
    """Why the PostgreSQL tests cannot run against `url`, or None when they can."""
    engine = _admin_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as error:
        first_line = str(error.orig).strip().splitlines()[0]
        return f"PostgreSQL at {sa.make_url(url).render_as_string()} is not reachable: {first_line}"
    finally:
        engine.dispose()
    return None


@contextmanager
def scratch_database(url: str = SHARED_URL) -> Iterator[str]:
    """A new, empty database `cgpa_test_<random>` on the server of `url`, dropped after; its
    URL as a user would write it (postgresql://...)."""
    name = f"cgpa_test_{secrets.token_hex(6)}"
    engine = _admin_engine(url)
    with engine.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@dataclass
class ThrowawayCluster:
    """A PostgreSQL cluster in a temporary folder, on a free port, owned by the test."""

    data: Path
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _pg_ctl(self, *arguments: str) -> None:
        command = [str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log)]
        _as_postgres([*command, *arguments])

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._pg_ctl("-o", options, "-w", "-t", "30", "start")

    def stop(self) -> None:
        # fast: clients are disconnected at once, as when a server goes down under load.
        self._pg_ctl("-m", "fast", "-w", "-t", "30", "stop")

    @classmethod
    @contextmanager
    def create(cls) -> Iterator[ThrowawayCluster]:
        folder = Path(tempfile.mkdtemp(prefix="cgpa-pg-"))
        folder.chmod(0o777)
        cluster = cls(folder / "data", free_port(), folder / "postgres.log")
        try:
            _as_postgres(
                [str(POSTGRES_BIN / "initdb"), "-D", str(cluster.data), "-U", "postgres",
                 "--auth=trust", "--no-sync"]
            )  # fmt: skip
            cluster.start()
            yield cluster
        finally:
            if (cluster.data / "postmaster.pid").exists():
                cluster.stop()
            shutil.rmtree(folder, ignore_errors=True)


def cluster_unavailable_reason() -> str | None:
    """Why a throwaway cluster cannot be made here, or None."""
    if not (POSTGRES_BIN / "initdb").exists():
        return f"no PostgreSQL binaries in {POSTGRES_BIN} (set CGPA_TEST_POSTGRES_BIN)"
    if os.geteuid() == 0 and shutil.which("su") is None:
        return "running as root without su: initdb refuses root"
    return None


def _as_postgres(command: list[str]) -> None:
    """Runs a PostgreSQL server tool; as the postgres user when running as root (initdb and
    postgres refuse to run as root)."""
    if os.geteuid() == 0:
        command = ["su", "postgres", "-s", "/bin/sh", "-c", subprocess.list2cmdline(command)]
    subprocess.run(command, check=True, capture_output=True, timeout=60)


def wait_until_accepting(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while unreachable_reason(url) is not None:
        if time.monotonic() > deadline:
            raise TimeoutError(f"PostgreSQL at {url} did not come up in {timeout} s")
        time.sleep(0.2)

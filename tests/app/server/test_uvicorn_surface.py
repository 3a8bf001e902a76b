"""The uvicorn names app/server/ and app/__main__.py rely on, checked against the installed
uvicorn: if a release drops or renames one, this fails naming the version and the name,
before any test of the limits fails for a reason harder to read. The list is the one in
the docstrings of app/server/protocol.py and app/server/supervisor.py."""

from __future__ import annotations

import inspect
import signal
import sys

import pytest
import uvicorn
from httptools import HttpParserError
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.supervisors import multiprocess

from tests.app.server.connection_harness import GET

PROTOCOL_METHODS = [
    "connection_made",
    "connection_lost",
    "data_received",
    "on_headers_complete",
    "on_message_complete",
    "send_400_response",
]
PROTOCOL_PARAMETERS = ["config", "server_state", "app_state", "_loop"]
SUPERVISOR_METHODS = ["handle_hup", "run"]  # handle_usr2 is ours, called by SIGNALS


def require(found: bool, name: str, user: str) -> None:
    if not found:
        pytest.fail(
            f"uvicorn {uvicorn.__version__} has no {name}, which {user} relies on; "
            "adapt it, or keep uvicorn below this version in pyproject.toml",
            pytrace=False,
        )


@pytest.mark.parametrize("name", PROTOCOL_METHODS)
def test_the_protocol_methods_it_extends_exist(name: str) -> None:
    require(
        callable(getattr(HttpToolsProtocol, name, None)),
        f"HttpToolsProtocol.{name}",
        "app/server/protocol.py",
    )


def test_the_protocol_is_built_with_the_arguments_it_passes_on() -> None:
    parameters = list(inspect.signature(HttpToolsProtocol.__init__).parameters)[1:]
    require(
        parameters[: len(PROTOCOL_PARAMETERS)] == PROTOCOL_PARAMETERS,
        f"HttpToolsProtocol({', '.join(PROTOCOL_PARAMETERS)}) (it takes {parameters})",
        "app/server/protocol.py",
    )


def test_the_request_cycle_it_reads_exists(connect) -> None:
    connection = connect()
    require(
        hasattr(connection.protocol, "cycle"), "HttpToolsProtocol.cycle", "app/server/protocol.py"
    )
    connection.send(GET)
    for name in ("response_complete", "response_started", "disconnected", "message_event"):
        require(
            hasattr(connection.protocol.cycle, name),
            f"RequestResponseCycle.{name}",
            "app/server/protocol.py",
        )
    # And they mean what they say: the answer is out, the client still there.
    cycle = connection.protocol.cycle
    assert cycle.response_started and cycle.response_complete and not cycle.disconnected


def test_the_parser_and_target_it_reads_exist(connect) -> None:
    connection = connect()
    connection.send(GET)
    protocol = connection.protocol
    require(hasattr(protocol, "parser"), "HttpToolsProtocol.parser", "app/server/protocol.py")
    require(hasattr(protocol, "url"), "HttpToolsProtocol.url", "app/server/protocol.py")
    assert protocol.parser.get_http_version() == "1.1"
    assert protocol.url == b"/health/live"  # and they mean what they say


def test_a_parser_error_is_answered_through_send_400_response(connect) -> None:
    """uvicorn calls it inside its `except HttpParserError`, where the error is readable."""
    connection = connect()
    seen: list[BaseException | None] = []
    connection.protocol.send_400_response = lambda msg: seen.append(sys.exception())
    connection.send(b"FOO\r\n\r\n")
    require(
        len(seen) == 1 and isinstance(seen[0], HttpParserError),
        "send_400_response called while handling the HttpParserError",
        "app/server/protocol.py",
    )


@pytest.mark.parametrize("name", SUPERVISOR_METHODS)
def test_the_supervisor_methods_it_overrides_exist(name: str) -> None:
    require(
        callable(getattr(multiprocess.Multiprocess, name, None)),
        f"Multiprocess.{name}",
        "app/server/supervisor.py",
    )


@pytest.mark.parametrize("number", [signal.SIGHUP, signal.SIGUSR2], ids=["HUP", "USR2"])
def test_the_supervisor_dispatches_the_model_signals(number: int) -> None:
    """Multiprocess calls `handle_<name>` for each signal in its SIGNALS table."""
    require(
        number in getattr(multiprocess, "SIGNALS", {}),
        f"{signal.Signals(number).name} in uvicorn.supervisors.multiprocess.SIGNALS",
        "app/server/supervisor.py",
    )


def test_the_supervisor_is_built_from_config_and_sockets() -> None:
    parameters = list(inspect.signature(multiprocess.Multiprocess.__init__).parameters)[1:]
    require(
        parameters == ["config", "sockets"],
        f"Multiprocess(config, sockets) (it takes {parameters})",
        "app/__main__.py",
    )


def test_the_supervisor_process_has_a_pid() -> None:
    require(
        isinstance(getattr(multiprocess.Process, "pid", None), property),
        "Process.pid",
        "app/server/supervisor.py",
    )

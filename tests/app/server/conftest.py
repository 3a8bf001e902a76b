from collections.abc import Iterator

import pytest

from tests.app.server.connection_harness import connections


@pytest.fixture
def connect() -> Iterator:
    yield from connections()

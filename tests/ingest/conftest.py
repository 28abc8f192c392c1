"""Fixtures for ingestion tests: a real OParl test server over a slice of the Karlsruhe mirror."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ingest.oparl_server import MirrorSlice, OParlTestServer, load_slice


@pytest.fixture(scope="session")
def oparl_slice(corpus: Path) -> MirrorSlice:
    return load_slice(corpus)


@pytest.fixture()
def oparl_server(oparl_slice: MirrorSlice) -> Iterator[OParlTestServer]:
    server = OParlTestServer(oparl_slice).start()
    try:
        yield server
    finally:
        server.stop()

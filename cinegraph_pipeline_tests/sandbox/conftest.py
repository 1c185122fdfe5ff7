"""A sandbox server shared by the tests (started once on port 0, reset around each test)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cinegraph_pipeline.sandbox import SandboxConfig, SandboxServer

from .helpers import Client


@pytest.fixture(scope="session")
def shared_sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(SandboxConfig()) as server:
        yield server


@pytest.fixture
def sandbox(shared_sandbox: SandboxServer) -> Iterator[SandboxServer]:
    shared_sandbox.reset()
    yield shared_sandbox
    shared_sandbox.reset()


@pytest.fixture
def client(sandbox: SandboxServer) -> Iterator[Client]:
    client = Client(sandbox)
    yield client
    client.http.close()

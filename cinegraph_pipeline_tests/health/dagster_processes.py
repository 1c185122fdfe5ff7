"""The Dagster webserver and daemon as subprocesses, for end-to-end tests and screenshots."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from dagster import DagsterRunStatus
from dagster_graphql import DagsterGraphQLClient

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def dagster_home(directory: Path) -> Path:
    """A fresh DAGSTER_HOME holding a copy of the project's dagster.yaml (telemetry off)."""
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO_ROOT / "dagster.yaml", directory / "dagster.yaml")
    return directory


@dataclass
class DagsterUI:
    port: int
    logs: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 40) -> str:
        parts = []
        for log in sorted(self.logs.glob("*.log")):
            text = log.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"--- {log.name}\n" + "\n".join(text))
        return "\n".join(parts)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


@contextmanager
def dagster_ui(
    home: Path, env: Mapping[str, str], logs: Path, *, daemon: bool = True, timeout: float = 60
) -> Iterator[DagsterUI]:
    """Starts `dagster-webserver` (and `dagster-daemon run`) on workspace.yaml, waits until
    the webserver has loaded the code location, and stops both (process groups) at exit."""
    logs.mkdir(parents=True, exist_ok=True)
    port = free_port()
    environment = {**os.environ, **env, "DAGSTER_HOME": str(home)}
    commands = {
        "webserver": [
            str(BIN / "dagster-webserver"),
            "-w",
            "workspace.yaml",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
    }
    if daemon:
        commands["daemon"] = [str(BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"]
    processes: list[subprocess.Popen[bytes]] = []
    ui = DagsterUI(port, logs)

    def start(name: str) -> subprocess.Popen[bytes]:
        with open(logs / f"{name}.log", "wb") as log:
            process = subprocess.Popen(
                commands[name],
                cwd=REPO_ROOT,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        processes.append(process)
        return process

    try:
        # One after the other: on a fresh home both would create Dagster's SQLite storage.
        _wait_until_loaded(ui, start("webserver"), timeout)
        if daemon:
            start("daemon")
        yield ui
    finally:
        for process in processes:
            _stop(process)


def _wait_until_loaded(ui: DagsterUI, webserver: subprocess.Popen[bytes], timeout: float) -> None:
    query = "{ workspaceOrError { ... on Workspace { locationEntries { name "
    query += "locationOrLoadError { __typename } } } } }"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if webserver.poll() is not None:
            raise RuntimeError(f"dagster-webserver exited early:\n{ui.log_tail()}")
        try:
            answer = requests.post(f"{ui.url}/graphql", json={"query": query}, timeout=5)
            entries = answer.json()["data"]["workspaceOrError"]["locationEntries"]
            kinds = [entry["locationOrLoadError"] for entry in entries]
            if kinds and all(k and k["__typename"] == "RepositoryLocation" for k in kinds):
                return
            if any(k and k["__typename"] == "PythonError" for k in kinds):
                raise RuntimeError(f"the code location failed to load:\n{ui.log_tail()}")
        except (requests.RequestException, KeyError, TypeError, ValueError):
            pass
        time.sleep(0.5)
    raise TimeoutError(f"dagster-webserver was not ready within {timeout} s:\n{ui.log_tail()}")


def wait_for_success(
    ui: DagsterUI, client: DagsterGraphQLClient, run_id: str, timeout: float
) -> None:
    """Polls a launched run until it finishes; it must succeed within `timeout` seconds."""
    finished = {DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}
    deadline = time.monotonic() + timeout
    status = client.get_run_status(run_id)
    while status not in finished:
        assert time.monotonic() < deadline, f"run {run_id} is {status}\n{ui.log_tail()}"
        time.sleep(0.5)
        status = client.get_run_status(run_id)
    assert status == DagsterRunStatus.SUCCESS, ui.log_tail()

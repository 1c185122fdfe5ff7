"""The code location loads, in process and through the Dagster CLI with workspace.yaml."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from cinegraph_pipeline.definitions import defs

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_definitions_validate_loadable() -> None:
    dg.Definitions.validate_loadable(defs)


def test_dagster_cli_validates_the_workspace() -> None:
    dagster = Path(sys.executable).with_name("dagster")
    result = subprocess.run(
        [str(dagster), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation successful" in result.stdout + result.stderr

"""Two hosts' worth of OMDb calls (two processes) against the sandbox stop together at one
daily quota counted in the film database, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine, select

from cinegraph_pipeline.sandbox import SandboxServer
from cinegraph_pipeline.storage.models import QuotaCounter

QUOTA = 25
CALLS_EACH = 20


def test_two_processes_share_one_daily_omdb_quota(
    sandbox: SandboxServer, migrated_engine: Engine, database_url: str, tmp_path: Path
) -> None:
    go = tmp_path / "go"
    env = {**os.environ, "CINEGRAPH_DATABASE_URL": database_url, "DAGSTER_HOME": str(tmp_path)}
    before = sandbox.stats()["routes"].get("omdb.by_id", {}).get("total", 0)
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cinegraph_pipeline_tests.support.omdb_quota_worker",
                f"--calls={CALLS_EACH}",
                f"--first={first}",
                f"--quota={QUOTA}",
                f"--go={go}",
            ],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for first in (9_000_000, 9_100_000)
    ]
    go.touch()
    results = []
    for worker in workers:
        out, _ = worker.communicate(timeout=300)
        assert worker.returncode == 0
        results.append(json.loads(out))
    answered = sum(r["answered"] for r in results)
    refused = sum(r["quota_exhausted"] for r in results)
    assert (answered, refused) == (QUOTA, 2 * CALLS_EACH - QUOTA)
    # Each process would have spent 20 of its own 25: together they spent exactly 25.
    served = sandbox.stats()["routes"].get("omdb.by_id", {}).get("total", 0) - before
    assert served == QUOTA
    with migrated_engine.connect() as conn:
        assert conn.execute(select(QuotaCounter.used)).scalars().all() == [QUOTA]

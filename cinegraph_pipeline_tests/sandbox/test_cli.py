from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import requests

from cinegraph_pipeline.sandbox.__main__ import build_parser, config_from_args

ROOT = Path(__file__).resolve().parents[2]
EXPECTED_NAMES = [
    "TMDB_BASE_URL", "TMDB_API_KEY", "OMDB_BASE_URL", "OMDB_API_KEY", "IMDB_BASE_URL",
    "IMDB_GRAPHQL_URL", "ZYTE_API_URL",
]  # fmt: skip


def test_cli_prints_the_environment_serves_and_stops_on_sigterm() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "cinegraph_pipeline.sandbox", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline().strip() for _ in EXPECTED_NAMES]
        env = dict(line.removeprefix("export ").split("=", 1) for line in lines)
        assert list(env) == EXPECTED_NAMES
        assert all(line.startswith("export ") for line in lines)
        port = env["TMDB_BASE_URL"].split(":")[2].split("/")[0]
        assert env["TMDB_BASE_URL"] == f"http://127.0.0.1:{port}/tmdb/3"
        assert env["OMDB_BASE_URL"] == f"http://127.0.0.1:{port}/omdb/"
        assert env["IMDB_BASE_URL"] == f"http://127.0.0.1:{port}/imdb"
        assert env["ZYTE_API_URL"] == f"http://127.0.0.1:{port}/zyte/v1/extract"
        assert env["TMDB_API_KEY"] == env["OMDB_API_KEY"] == "sandbox"
        page = requests.get(env["IMDB_BASE_URL"] + "/event/ev0000147/2016/1/", timeout=10)
        assert page.status_code == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_cli_flags_set_difficulty_and_faults() -> None:
    args = build_parser().parse_args(
        ["--seed", "9", "--nowhere-share", "0.1", "--imdb-waf-share", "0.2",
         "--omdb-daily-limit", "1000", "--no-tmdb-retry-after"]
    )  # fmt: skip
    config = config_from_args(args)
    assert config.seed == 9
    assert config.difficulty.nowhere_share == 0.1
    assert config.faults.imdb_waf_share == 0.2
    assert config.faults.omdb_daily_limit == 1000
    assert config.faults.tmdb_retry_after is False
    assert config.host == "127.0.0.1" and config.port == 0

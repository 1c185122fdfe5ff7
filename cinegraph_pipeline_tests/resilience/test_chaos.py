"""Chaos: two editions imported while the sandbox fails the way the real services do.

Every service answers 20% of requests with a 5xx and holds 5% back past the client's read
timeout; TMDb refuses everything in bursts (429 without Retry-After, 0.1 s every 2 s);
IMDb blocks 10% of page requests (WAF challenge, captcha, 403); OMDb's daily limit is reached
a quarter of the way through the first run (the retries come after the daily reset). Clients
retry once (the product retries three times), with millisecond backoffs, so that every kind
of fault ends some calls.

Each edition is run as the deferred-editions sensor would run it (re-runs tagged with the
attempt number while films are pending) and compared with a fault-free import of the same
edition on another database: no nomination may be lost after any run, no film may end up
with another import type or source than the fault-free run gave it (an error never makes a
stub or a lesser source), and the failures must be in `api_lookup_metrics` as the right
error types.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import pytest

from cinegraph_pipeline.sandbox import Difficulty, SandboxConfig, SandboxServer
from cinegraph_pipeline.sandbox.settings import SyntheticEdition
from cinegraph_pipeline.storage.engine import shared_engine

from .support import (
    expected_nominations,
    fast_resources,
    film_state,
    import_with_retries,
    materialize_edition,
    metric_rows,
    nomination_key,
)

# A 200-film synthetic edition (films drawn from the sandbox's catalogue, so that every kind
# of fault is met often enough to show) and cannes|2016 from the real data.
EDITIONS = ("locarno|2001", "cannes|2016")
SYNTHETIC = SyntheticEdition("ev0000400", 2001, 200, salt="chaos")
# More films that only OMDb or the IMDb page know than the default, so those sources see
# enough traffic for their faults to show.
DIFFICULTY = Difficulty(omdb_only_share=0.12, imdb_only_share=0.2, nowhere_share=0.1)
CHAOS = {
    "tmdb_5xx_share": 0.2,
    "omdb_5xx_share": 0.2,
    "imdb_5xx_share": 0.2,
    "graphql_5xx_share": 0.2,  # IMDb's GraphQL fails too: editions and titles fall back
    "slow_share": 0.05,
    "slow_delay_ms": 1500.0,  # the clients' read timeout is 0.5 s
    "imdb_waf_share": 0.1,
    "tmdb_retry_after": False,  # 429 without Retry-After: the client must back off anyway
    "tmdb_429_share": 0.05,  # and 429s between the bursts, so every run meets some
}
MAX_ATTEMPTS = 15
REQUIRED_ERRORS = {"http_5xx", "timeout", "rate_limit", "blocked", "quota_exhausted"}
# What a failed call may be classified as under these faults (all transient, never auth).
ALLOWED_ERRORS = REQUIRED_ERRORS | {"circuit_open", "network"}
ERROR_SOURCES = {
    "rate_limit": {"tmdb"},
    "blocked": {"imdb", "festival_scraper"},
    "quota_exhausted": {"omdb"},
}


@contextmanager
def rate_limit_bursts(
    sandbox: SandboxServer, period: float = 2.0, length: float = 0.1
) -> Iterator[None]:
    """TMDb answers 429 to (almost) everything for `length` seconds of every `period`."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            sandbox.set_faults(tmdb_rate_limit_rps=1)
            stop.wait(length)
            sandbox.set_faults(tmdb_rate_limit_rps=0)
            stop.wait(period - length)

    thread = threading.Thread(target=loop, name="tmdb-429-bursts", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)
        sandbox.set_faults(tmdb_rate_limit_rps=0)


@pytest.mark.slow
def test_an_edition_under_chaos_ends_like_a_fault_free_import(tmp_path: Path) -> None:
    config = SandboxConfig(difficulty=DIFFICULTY, synthetic_editions=(SYNTHETIC,))
    with SandboxServer(config) as sandbox, dg.DagsterInstance.ephemeral() as instance:
        env = sandbox.env()
        reference_url = f"sqlite:///{tmp_path / 'reference.db'}"
        chaos_url = f"sqlite:///{tmp_path / 'chaos.db'}"
        reference = fast_resources(env, reference_url, tmp_path / "reference_cache")
        chaos = fast_resources(env, chaos_url, tmp_path / "chaos_cache", read_timeout=0.5)

        # The fault-free import, and what the event pages list.
        expected = {p: expected_nominations(reference["imdb"], p) for p in EDITIONS}
        for partition in EDITIONS:
            assert materialize_edition(partition, reference, instance).success
        reference_state = film_state(shared_engine(reference_url))
        reference_omdb = Counter(
            r["metadata"].get("partition")
            for r in metric_rows(shared_engine(reference_url))
            if r["source"] == "omdb"
        )
        first = EDITIONS[0]
        assert reference_omdb[first] >= 15, "the reference import must give OMDb some work"
        assert not any(m["import_type"] == "pending" for m in reference_state.movies.values())

        sandbox.reset()
        # OMDb's limit is reached a quarter of the way through the first run of the first
        # edition; the retries come after the daily reset.
        sandbox.set_faults(**CHAOS, omdb_daily_limit=reference_omdb[first] // 4)
        chaos_engine = shared_engine(chaos_url)

        def check_run(partition: str, attempt: int, result: dg.ExecuteInProcessResult) -> None:
            if attempt == 0:
                sandbox.set_faults(omdb_daily_limit=0)
            if not result.success:
                return  # a run that failed wrote nothing: the previous state must hold
            state = film_state(chaos_engine)
            missing = [
                key
                for key in expected[partition]
                if key not in state.nominations
                or (key[4] and state.nominations[key]["movie"] != key[4])
            ]
            assert not missing, f"{partition} run {attempt}: nominations lost: {missing}"

        attempts: dict[str, int] = {}
        with rate_limit_bursts(sandbox):
            for partition in EDITIONS:
                outcome = import_with_retries(
                    partition,
                    chaos,
                    instance,
                    lambda: chaos_engine,
                    max_attempts=MAX_ATTEMPTS,
                    after_run=lambda attempt, result, p=partition: check_run(p, attempt, result),
                )
                assert not outcome.final_attempt_used, (
                    f"{partition} still had pending films after {MAX_ATTEMPTS} retries"
                )
                attempts[partition] = len(outcome.runs)
        served = sandbox.stats()

    state = film_state(chaos_engine)
    # No nomination lost: every row of every event page, with its film.
    for partition in EDITIONS:
        for key in expected[partition]:
            assert key in state.nominations, f"{partition}: nomination lost: {key}"
            if key[4]:
                assert state.nominations[key]["movie"] == key[4]
    assert set(state.nominations) == set(reference_state.nominations)
    assert state.nomination_rows == len(state.nominations)  # each nomination once

    # No film downgraded, none left pending: the same outcome as without faults, except that
    # films OMDb could not answer once its quota was spent took the IMDb stage's record, of
    # the same rank (`minimal`), instead of waiting for the quota.
    assert set(state.movies) == set(reference_state.movies)
    passed_to_imdb = {
        imdb_id
        for imdb_id, movie in state.movies.items()
        if reference_state.movies[imdb_id]["data_source"] == "omdb"
        and movie["data_source"] == "imdb"
    }
    assert all(state.movies[i]["import_type"] == "minimal" for i in passed_to_imdb)
    compared = ("import_type", "data_source", "tmdb_id", "fallback_level", "needs_review")
    differences = {
        imdb_id: (
            {c: reference_state.movies[imdb_id][c] for c in compared},
            {c: movie[c] for c in compared},
        )
        for imdb_id, movie in state.movies.items()
        if imdb_id not in passed_to_imdb
        and any(movie[c] != reference_state.movies[imdb_id][c] for c in compared)
    }
    assert not differences, f"films resolved differently under faults: {differences}"
    assert {i: m for i, m in state.movies.items() if i not in passed_to_imdb} == {
        i: m for i, m in reference_state.movies.items() if i not in passed_to_imdb
    }

    # The failures are in the metrics, classified.
    rows = metric_rows(chaos_engine)
    failed = [r for r in rows if not r["success"]]
    kinds = Counter(r["error_type"] for r in failed)
    # A fault that a retry overcame is on the recovered call's row, among its failed attempts.
    wire: Counter[str] = Counter()
    for row in rows:
        for error_type, count in (row["attempt_errors"] or {}).items():
            allowed_sources = ERROR_SOURCES.get(error_type)
            assert allowed_sources is None or row["source"] in allowed_sources, row
            wire[error_type] += count
    seen = set(kinds) | set(wire)
    assert seen >= REQUIRED_ERRORS, f"error types seen: {dict(kinds)}, on the wire: {dict(wire)}"
    assert seen <= ALLOWED_ERRORS, f"unexpected error types: {dict(kinds)}, {dict(wire)}"
    for row in failed:
        allowed_sources = ERROR_SOURCES.get(row["error_type"])
        assert allowed_sources is None or row["source"] in allowed_sources, row
        assert row["error_message"], row
        assert row["metadata"].get("partition") in EDITIONS
    # Retried faults are counted on the calls that recovered from them.
    assert any(r["success"] and r["metadata"].get("retries") for r in rows)
    # The sandbox did inject every kind of fault.
    outcomes = served["outcomes"]
    assert outcomes.get("http_5xx", 0) and outcomes.get("blocked", 0)
    assert outcomes.get("rate_limit", 0) and outcomes.get("quota", 0)
    assert served["faults"].get("slow", 0)
    assert sum(attempts.values()) > len(EDITIONS), attempts  # the faults did defer films
    # Every nomination key of the event pages is what was stored, no more.
    assert {nomination_key(n) for n in state.nominations.values()} == set().union(
        *expected.values()
    )

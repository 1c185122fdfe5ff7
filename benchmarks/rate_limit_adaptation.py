"""How close the adaptive rate limiter runs to a server's limit, and how many 429s it costs.

    .venv/bin/python benchmarks/rate_limit_adaptation.py [--seconds 30] [--threads 8]
        [--server-rps 40] [--rates 40,60,30] [--latency-ms 80]

A TmdbClient (its real transport, retries and limiter; no HTTP cache) sends `/find` calls for
distinct ids from `--threads` threads for `--seconds` against the sandbox on 127.0.0.1, which
answers 429 (with `Retry-After`) above `--server-rps` requests per second and delays every
answer by a lognormal latency (median `--latency-ms`). One run per configured client rate:
at the server's limit, above it (the limiter must come down) and below it (it must climb).

Printed per run: requests the server received per second (every attempt, 429s included),
answered per second, the 429 share of attempts, the limiter's rate at the end and its lowest,
and how often it backed off. Bar (run configured at the server's limit and above it): at
least 0.9 x the server's limit sent per second, sustained, with under 2% answered 429.
"""

from __future__ import annotations

import argparse
import itertools
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

import requests

from cinegraph_pipeline.sources.http.limits import AdaptiveRateLimiter
from cinegraph_pipeline.sources.options import HttpOptions
from cinegraph_pipeline.sources.tmdb.client import TmdbClient
from cinegraph_pipeline.sources.tracking import NullRecorder

SHARE_BAR = 0.02
RATE_BAR = 0.9


@dataclass(frozen=True, slots=True)
class Run:
    configured: float
    sent_per_second: float
    answered_per_second: float
    share_429: float
    final_rate: float
    lowest_rate: float
    decreases: int


class SandboxProcess:
    """The sandbox in its own process, as the real service is: a server sharing the client's
    interpreter would stamp arrivals late whenever the client's threads hold the GIL, and
    count bursts the client never sent."""

    def __init__(self, server_rps: float, latency_ms: float) -> None:
        command = [
            sys.executable,
            "-m",
            "cinegraph_pipeline.sandbox",
            "--port",
            "0",
            "--tmdb-rate-limit-rps",
            str(server_rps),
            "--latency-median-ms",
            str(latency_ms),
        ]
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        assert self.process.stdout is not None
        self.env: dict[str, str] = {}
        for line in self.process.stdout:
            name, _, value = line.removeprefix("export ").strip().partition("=")
            self.env[name] = value
            if "TMDB_BASE_URL" in self.env and "IMDB_BASE_URL" in self.env:
                break
        self.base_url = self.env["TMDB_BASE_URL"].removesuffix("/tmdb/3")

    def stats(self) -> dict[str, Any]:
        reply = requests.get(f"{self.base_url}/_sandbox/stats", timeout=10)
        reply.raise_for_status()
        return dict(reply.json())

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def tmdb_outcomes(sandbox: SandboxProcess) -> dict[str, int]:
    totals: dict[str, int] = {}
    for route, outcomes in sandbox.stats().get("routes", {}).items():
        if route.startswith("tmdb") and isinstance(outcomes, dict):
            for outcome, count in outcomes.items():
                if outcome != "total" and isinstance(count, int):
                    totals[outcome] = totals.get(outcome, 0) + count
    return totals


def run_once(sandbox: SandboxProcess, rate: float, seconds: float, threads: int) -> Run:
    before = tmdb_outcomes(sandbox)
    options = HttpOptions(
        base_url=sandbox.env["TMDB_BASE_URL"],
        requests_per_second=rate,
        rate_ceiling_factor=1.5,
        cache_backend="none",
        max_retries=5,
        pool_size=threads,
    )
    client = TmdbClient(options, NullRecorder(), api_key="sandbox")
    limiter = options.limiter(client.source)
    ids = itertools.count(1_000_000)
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker() -> None:
        while time.monotonic() < deadline:
            with lock:
                n = next(ids)
            client.find_by_imdb_id(f"tt{n}")

    started = time.monotonic()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.monotonic() - started
    client.close()
    outcomes = {k: v - before.get(k, 0) for k, v in tmdb_outcomes(sandbox).items()}
    limited = outcomes.get("rate_limit", 0)
    sent = sum(outcomes.values())
    assert isinstance(limiter, AdaptiveRateLimiter)
    return Run(
        configured=rate,
        sent_per_second=sent / elapsed,
        answered_per_second=(sent - limited) / elapsed,
        share_429=limited / sent if sent else 0.0,
        final_rate=limiter.rate,
        lowest_rate=limiter.lowest,
        decreases=limiter.decreases,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--server-rps", type=float, default=40.0)
    parser.add_argument("--rates", default="40,60,30", help="configured client rates")
    parser.add_argument("--latency-ms", type=float, default=80.0)
    args = parser.parse_args(argv)

    missed: list[str] = []
    print(
        f"server: 429 above {args.server_rps:g}/s, latency median {args.latency_ms:g} ms; "
        f"{args.threads} threads, {args.seconds:g} s per run"
    )
    print(
        f"{'configured/s':>12} {'sent/s':>8} {'answered/s':>10} {'429 %':>6} "
        f"{'final/s':>8} {'lowest/s':>8} {'backoffs':>8}"
    )
    sandbox = SandboxProcess(args.server_rps, args.latency_ms)
    try:
        for rate in (float(r) for r in args.rates.split(",") if r.strip()):
            run = run_once(sandbox, rate, args.seconds, args.threads)
            print(
                f"{run.configured:>12g} {run.sent_per_second:>8.1f} "
                f"{run.answered_per_second:>10.1f} {100 * run.share_429:>6.2f} "
                f"{run.final_rate:>8.1f} {run.lowest_rate:>8.1f} {run.decreases:>8}",
                flush=True,
            )
            if rate >= args.server_rps:
                if run.sent_per_second < RATE_BAR * args.server_rps:
                    missed.append(f"configured {rate:g}/s: sent {run.sent_per_second:.1f}/s")
                if run.share_429 >= SHARE_BAR:
                    missed.append(f"configured {rate:g}/s: {100 * run.share_429:.2f}% 429")
    finally:
        sandbox.stop()
    for line in missed:
        print(f"BAR MISSED: {line}")
    if not missed:
        print(f"bars met: >= {RATE_BAR:g} x the limit sent per second, < 2% answered 429")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())

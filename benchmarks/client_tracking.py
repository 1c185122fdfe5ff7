"""How much tracking costs per call, and how fast a client goes under its rate limit.

    .venv/bin/python benchmarks/client_tracking.py [--rate 40] [--calls 200] [--threads 4]

1. Tracking overhead: the same tracked call (CallTracker, trivial fetch, no network) with a
   buffering MetricsRecorder versus a NullRecorder; the difference is what a metric row costs
   the lookup. `record()` alone is timed too.
2. Throughput: a TmdbClient hammering a local keep-alive server from several threads, with
   the client-side limit on and off; under a limit of R/s it should sustain about R/s.
All traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cinegraph_pipeline.sources.calls import CallTracker
from cinegraph_pipeline.sources.errors import Operation, Source
from cinegraph_pipeline.sources.options import HttpOptions
from cinegraph_pipeline.sources.tmdb.client import TmdbClient
from cinegraph_pipeline.sources.tracking import MetricsRecorder, NullRecorder, Recorder

FIND_BODY = json.dumps(
    {
        "movie_results": [
            {"id": 8681, "title": "Taken", "original_title": "Taken", "release_date": "2008-02-18"}
        ],
        "person_results": [],
        "tv_results": [],
    }
).encode()


def per_call_seconds(fn: Callable[[int], Any], calls: int, repeats: int = 5) -> float:
    """Best-of-N mean time per call (the minimum is the least disturbed measurement)."""
    results = []
    for _ in range(repeats):
        started = time.perf_counter()
        for i in range(calls):
            fn(i)
        results.append((time.perf_counter() - started) / calls)
    return min(results)


def tracked_call_cost(recorder: Recorder, calls: int) -> float:
    tracker = CallTracker(recorder, breaker=None)

    def one(i: int) -> Any:
        return tracker.call(
            source=Source.TMDB,
            operation=Operation.FIND,
            target=f"tt{i:07d}",
            fetch=lambda: [],
            is_not_found=lambda hits: not hits,
            fallback_level=1,
        )

    return per_call_seconds(one, calls)


def tracking_overhead(calls: int) -> None:
    sink_rows = [0]

    def sink(batch: list[dict[str, Any]]) -> None:
        sink_rows[0] += len(batch)

    with MetricsRecorder(sink, context={"festival": "cannes", "run_id": "bench"}) as recorder:
        null = tracked_call_cost(NullRecorder(), calls)
        buffered = tracked_call_cost(recorder, calls)
        record_only = per_call_seconds(
            lambda i: recorder.record(
                source="tmdb",
                operation="find",
                target_identifier=f"tt{i:07d}",
                success=True,
                response_time_ms=12.0,
            ),
            calls,
        )
    print("Tracking overhead per call (no network; best of 5 x", f"{calls:,} calls)")
    print(f"  tracked call, no-op recorder      {null * 1e6:8.2f} us")
    print(f"  tracked call, MetricsRecorder     {buffered * 1e6:8.2f} us")
    print(f"  => cost of one metric row         {(buffered - null) * 1e6:8.2f} us")
    print(f"  MetricsRecorder.record() alone    {record_only * 1e6:8.2f} us")
    print(f"  rows handed to the sink           {sink_rows[0]:,}")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the real APIs
    # headers and body go out in two writes: without TCP_NODELAY, Nagle plus delayed ACKs
    # would add ~40 ms to every keep-alive answer and measure the stack, not the client
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(FIND_BODY)))
        self.end_headers()
        self.wfile.write(FIND_BODY)

    def log_message(self, format: str, *args: Any) -> None:
        return None


def throughput(rate: float, calls: int, threads: int, port: int) -> tuple[float, float]:
    """Requests per second sustained, and the mean latency per call in ms."""
    options = HttpOptions(
        base_url=f"http://127.0.0.1:{port}/3",
        requests_per_second=rate,
        rate_limit_burst=1,
        cache_backend="none",
        max_retries=0,
    )
    rows: list[dict[str, Any]] = []
    recorder = MetricsRecorder(rows.extend)
    client = TmdbClient(options, recorder, api_key="benchmark-key")
    counter = iter(range(calls))
    lock = threading.Lock()

    def worker() -> None:
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            client.find_by_imdb_id(f"tt{n:07d}")  # distinct ids: no memo hits

    client.find_by_imdb_id("tt9999999")  # warm the connection pool
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    started = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - started
    recorder.close()
    client.close()
    latencies = [r["response_time_ms"] for r in rows[1:]]
    assert len(latencies) == calls and all(r["success"] for r in rows)
    return calls / elapsed, statistics.mean(latencies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=40.0, help="client limit, requests/s")
    parser.add_argument("--calls", type=int, default=200, help="calls per throughput run")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--overhead-calls", type=int, default=20_000)
    args = parser.parse_args()

    tracking_overhead(args.overhead_calls)
    print()

    class Server(ThreadingHTTPServer):
        daemon_threads = True

    server = Server(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    try:
        print(f"TMDb client throughput, {args.calls} calls on {args.threads} threads, local server")
        for rate in (args.rate, 0.0):
            rps, latency = throughput(rate, args.calls, args.threads, port)
            label = f"limit {rate:g}/s" if rate > 0 else "no client limit"
            print(f"  {label:<18} measured {rps:8.1f} req/s   mean latency {latency:6.2f} ms")
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    main()

"""Throughput, cost and memory of importing one festival edition of 100 to 10,000 films.

    .venv/bin/python benchmarks/edition_throughput.py [--sizes 100,1000,10000]
        [--world known|mixed] [--baseline-size 100] [--latency-ms 80] [--latency-sigma 0.5]
        [--tmdb-rps 40] [--json PATH]

What runs: the real pipeline, `dg.materialize` of the six `festival_import` assets (scrape,
TMDb, OMDb, IMDb page, stubs, write) with the in-process executor, one edition per size, each
in its own process with a fresh `DAGSTER_HOME` (empty HTTP cache, new SQLite film database),
against the sandbox running in a third process on 127.0.0.1 with:
- every answer delayed by a lognormal latency (median `--latency-ms`, shape
  `--latency-sigma`: mean = median x exp(sigma^2 / 2), about 91 ms for 80 ms and 0.5);
- TMDb answering 429 above `--tmdb-rps` requests per second, the TMDb client limited to the
  same rate (its token bucket burst is the product default unless `--tmdb-burst` is given).
OMDb and the IMDb pages keep the product's client limits (5/s and 1/s); the OMDb daily quota
is off (a free key's 1,000 calls a day would defer films past the first ~10,000 lookups).

Editions bigger than the real data: the sandbox serves a synthetic event page (Locarno's event
id, years 2001+) whose nominations name N distinct festival films. The real data has 1,708
festival films (3,195 films in all; 341 festival films at Cannes); to reach 10,000 the sandbox
adds renamed copies of its whole catalogue (`SandboxConfig.catalog_copies`): copy n of a film
has the id tt9nnnxxxx and its titles followed by a made-up word of that copy ("Amour Dupobe"),
and each copy draws its own difficulty (films only OMDb or the IMDb page know, TMDb records
without IMDb id or a year off, suspect ids...) with the same shares as the real films. Every
size draws its films from that same catalogue (sized for the largest edition asked for), so the
mix is the same.

Printed per size: wall time of the run; the lower bound, the sum over the stages (they run
one after the other) of max(calls / rate limit, calls x mean latency / workers), where calls
are the calls that reached the network (metric rows not served from a cache); their ratio;
calls per film; cost (the recorded `cost_usd`, 0 with direct, free APIs); peak memory of the
run's process (ru_maxrss) and its growth over the process after imports. `--baseline-size`
also runs one edition with every stage at workers=1 (one call at a time); its bound is the
same work's at the concurrency the product allows, so its ratio is what naivety costs.

Worlds: `known` (the default) has every film on TMDb under its IMDb id (no film only OMDb
or the IMDb page knows, no record without its id, no suspect id; years off and original
titles as usual): the edition is TMDb's work alone, and its floor is one TMDb call per film at
the rate limit, `films / --tmdb-rps` seconds. `mixed` keeps the sandbox's default shares of
difficult films (OMDb at 5/s and IMDb pages at 1/s then dominate small editions).

Also printed per size: the ratio of the wall time to that floor, TMDb calls per film, and the
share of TMDb requests answered 429 (the sandbox's own counts, per run).

Bars: wall / bound <= 1.3 at 1,000 films; wall time and memory growth per film not growing
with the size (no worse than linear); in the `known` world, wall / floor <= 1.5 at 1,000
films and <= 1.15 at 10,000, and at most 1.1 TMDb calls per film. The exit status is 1 when
a bar is missed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LOCARNO_EVENT_ID = "ev0000400"
FIRST_YEAR = 2001
RATIO_BAR = 1.3
RATIO_BAR_SIZE = 1000
FLOOR_BARS = {1000: 1.5, 10000: 1.15}  # wall / (films / TMDb rate), `known` world
TMDB_CALLS_BAR = 1.1  # TMDb calls per film, `known` world
# Growth allowed per film from the smallest to the largest size before we call it
# super-linear: a fixed cost (process, Dagster, first requests) makes small sizes look worse,
# so per-film figures must simply not rise by more than this factor.
LINEAR_SLACK = 1.25
FESTIVAL_FILMS_PER_CATALOG = 1708  # festival films of the real data (and of each copy)
STAGES = ("festival_scraper", "tmdb", "omdb", "imdb")
# Difficulty shares per world (the sandbox's `Difficulty` fields; unset ones keep defaults).
WORLDS: dict[str, dict[str, float]] = {
    "known": {
        "omdb_only_share": 0.0,
        "imdb_only_share": 0.0,
        "nowhere_share": 0.0,
        "no_imdb_id_share": 0.0,
        "suspect_share": 0.0,
    },
    "mixed": {},
}


@dataclass(frozen=True, slots=True)
class StageWork:
    """What one stage did and was allowed: the bound of a stage is the larger of its calls at
    its rate limit and its calls at the latency with `workers` in flight."""

    source: str
    calls: int  # calls that reached the network
    rate: float  # requests per second allowed (0: unlimited)
    workers: int  # calls in flight the product allows (its stage default)
    burst: int = 1  # calls the token bucket lets through at once, before the rate applies
    retries: int = 0  # extra attempts (429, 5xx, timeouts), not in `calls`

    def bound_seconds(self, mean_latency: float) -> float:
        by_rate = max(0, self.calls - self.burst) / self.rate if self.rate > 0 else 0.0
        by_latency = self.calls * mean_latency / max(1, self.workers)
        return max(by_rate, by_latency)


@dataclass
class RunResult:
    label: str
    films: int
    nominations: int
    workers: dict[str, int]
    wall_seconds: float
    stages: list[StageWork]
    stage_seconds: dict[str, float]
    import_types: dict[str, int]
    errors: dict[str, int]
    cost_usd: float
    peak_rss_mb: float
    import_rss_mb: float
    success: bool
    bound_seconds: float = 0.0
    floor_seconds: float = 0.0  # one TMDb call per film at the TMDb rate limit
    tmdb_requests: int = 0  # TMDb requests the sandbox served during the run
    tmdb_429: int = 0  # of which answered 429
    notes: list[str] = field(default_factory=list)

    @property
    def calls(self) -> int:
        return sum(stage.calls for stage in self.stages)

    @property
    def ratio(self) -> float:
        return self.wall_seconds / self.bound_seconds if self.bound_seconds else math.inf

    @property
    def floor_ratio(self) -> float:
        return self.wall_seconds / self.floor_seconds if self.floor_seconds else math.inf

    @property
    def tmdb_calls_per_film(self) -> float:
        tmdb = next((s for s in self.stages if s.source == "tmdb"), None)
        return tmdb.calls / self.films if tmdb else 0.0

    @property
    def share_429(self) -> float:
        return self.tmdb_429 / self.tmdb_requests if self.tmdb_requests else 0.0


def mean_latency_seconds(median_ms: float, sigma: float) -> float:
    """The mean of the sandbox's lognormal latency."""
    return median_ms / 1000.0 * math.exp(sigma**2 / 2)


def copies_for(films: int) -> int:
    """Catalogue copies the sandbox needs to name `films` distinct festival films."""
    return max(0, math.ceil(films / FESTIVAL_FILMS_PER_CATALOG) - 1)


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


# -- the sandbox process ----------------------------------------------------------------------


def serve_sandbox(spec: dict[str, Any]) -> None:
    """Runs the sandbox until stdin closes; prints its base URL first."""
    from cinegraph_pipeline.sandbox import Difficulty, Faults, SandboxConfig, SandboxServer
    from cinegraph_pipeline.sandbox.settings import SyntheticEdition

    config = SandboxConfig(
        difficulty=Difficulty(**spec.get("difficulty", {})),
        faults=Faults(
            latency_median_ms=spec["latency_ms"],
            latency_sigma=spec["latency_sigma"],
            tmdb_rate_limit_rps=spec["tmdb_rps"],
        ),
        catalog_copies=spec["copies"],
        synthetic_editions=tuple(
            # Drawn by size: the baseline imports the very films of the run of its size.
            SyntheticEdition(LOCARNO_EVENT_ID, year, films, salt=f"benchmark-{films}")
            for year, films in spec["editions"]
        ),
    )
    with SandboxServer(config) as sandbox:
        print(sandbox.base_url, flush=True)
        sys.stdin.read()  # until the parent closes the pipe
        stats = sandbox.stats()
        print(json.dumps(stats), flush=True)


class SandboxProcess:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve-sandbox", json.dumps(spec)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.base_url = self.process.stdout.readline().strip()
        if not self.base_url.startswith("http://127.0.0.1:"):
            self.process.kill()
            raise RuntimeError("the sandbox did not start")

    def env(self) -> dict[str, str]:
        base = self.base_url
        return {
            "TMDB_BASE_URL": f"{base}/tmdb/3",
            "TMDB_API_KEY": "sandbox",
            "OMDB_BASE_URL": f"{base}/omdb/",
            "OMDB_API_KEY": "sandbox",
            "IMDB_BASE_URL": f"{base}/imdb",
            "IMDB_GRAPHQL_URL": f"{base}/imdb-graphql/",
        }

    def tmdb_counts(self) -> tuple[int, int]:
        """TMDb requests served so far, and how many were answered 429."""
        with urllib.request.urlopen(f"{self.base_url}/_sandbox/stats", timeout=10) as reply:
            stats = json.load(reply)
        served = limited = 0
        for route, outcomes in stats.get("routes", {}).items():
            if route.startswith("tmdb") and isinstance(outcomes, dict):
                served += int(outcomes.get("total", 0))
                limited += int(outcomes.get("rate_limit", 0))
        return served, limited

    def stop(self) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.close()
        stats_line = self.process.stdout.readline()
        self.process.wait(timeout=30)
        return json.loads(stats_line) if stats_line.strip() else {}


# -- one edition, in its own process ------------------------------------------------------------


def run_edition(spec: dict[str, Any]) -> dict[str, Any]:
    """Imports one edition with the real assets; returns what the parent prints. Runs in a
    fresh process whose environment points at the sandbox and a fresh DAGSTER_HOME."""
    import dagster as dg
    from sqlalchemy import select

    from cinegraph_pipeline.assets.festival_import.stages import StageConfig, TmdbStageConfig
    from cinegraph_pipeline.assets.festival_import.state_io import (
        EDITION_STATE_IO_MANAGER,
        EditionStateIOManager,
    )
    from cinegraph_pipeline.definitions import FESTIVAL_IMPORT_ASSETS
    from cinegraph_pipeline.sources.imdb.graphql_resource import ImdbGraphqlResource
    from cinegraph_pipeline.sources.imdb.resource import ImdbResource
    from cinegraph_pipeline.sources.omdb.resource import OmdbResource
    from cinegraph_pipeline.sources.tmdb.resource import TmdbResource
    from cinegraph_pipeline.storage.models import ApiLookupMetric, Movie
    from cinegraph_pipeline.storage.resource import DatabaseResource

    import_rss = max_rss_mb()
    tmdb_options: dict[str, Any] = {"requests_per_second": spec["tmdb_rps"]}
    if spec.get("tmdb_burst"):
        tmdb_options["rate_limit_burst"] = spec["tmdb_burst"]
    tmdb = TmdbResource.from_env(**tmdb_options)
    omdb = OmdbResource.from_env(daily_quota=0, quota_database_url="memory")
    imdb = ImdbResource.from_env()
    imdb_graphql = ImdbGraphqlResource.from_env()
    database = DatabaseResource()
    # The concurrency the product allows (its stage defaults), which the bound assumes, and
    # the one this run uses (1 for the baseline).
    allowed = {
        "festival_scraper": 1,
        "tmdb": spec.get("tmdb_workers") or TmdbStageConfig().workers,
        "omdb": StageConfig().workers,
        "imdb": StageConfig().workers,
    }
    workers = spec.get("workers")
    stage_workers = {source: workers or n for source, n in allowed.items()}
    ops = {
        "edition_tmdb_matches": stage_workers["tmdb"],
        "edition_omdb_matches": stage_workers["omdb"],
        "edition_imdb_matches": stage_workers["imdb"],
    }
    run_config = {"ops": {name: {"config": {"workers": n}} for name, n in ops.items()}}
    partition = f"locarno|{spec['year']}"
    with dg.DagsterInstance.get() as instance:
        started = time.perf_counter()
        result = dg.materialize(
            FESTIVAL_IMPORT_ASSETS,
            partition_key=partition,
            resources={
                "tmdb": tmdb,
                "omdb": omdb,
                "imdb": imdb,
                "imdb_graphql": imdb_graphql,
                "database": database,
                EDITION_STATE_IO_MANAGER: EditionStateIOManager(database=database),
            },
            instance=instance,
            run_config=run_config,
            raise_on_error=False,
        )
        wall = time.perf_counter() - started
        stage_seconds: dict[str, float] = {}
        nominations = 0
        for key, source in (
            ("edition_tmdb_matches", "tmdb"),
            ("edition_omdb_matches", "omdb"),
            ("edition_imdb_matches", "imdb"),
            ("edition_write", "write"),
        ):
            event = instance.get_latest_materialization_event(dg.AssetKey(key))
            if event is None or event.asset_materialization is None:
                continue
            metadata = event.asset_materialization.metadata
            if "seconds" in metadata:
                stage_seconds[source] = float(metadata["seconds"].value)  # type: ignore[arg-type]
            if "nominations" in metadata:
                nominations = int(metadata["nominations"].value)  # type: ignore[arg-type]

    calls: Counter[str] = Counter()
    retries: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    cost = 0.0
    with database.engine().connect() as conn:
        for source, cached, error_type, cost_usd, metadata in conn.execute(
            select(
                ApiLookupMetric.source,
                ApiLookupMetric.cached,
                ApiLookupMetric.error_type,
                ApiLookupMetric.cost_usd,
                ApiLookupMetric.metadata_,
            )
        ):
            cost += float(cost_usd or 0.0)
            if error_type and error_type != "not_found":
                errors[f"{source}:{error_type}"] += 1
            if cached:
                continue
            calls[source] += 1
            retries[source] += int((metadata or {}).get("retries", 0))
        import_types = Counter(row[0] for row in conn.execute(select(Movie.import_type)).all())
    limits = {
        "festival_scraper": imdb,
        "tmdb": tmdb,
        "omdb": omdb,
        "imdb": imdb,
    }
    stages = [
        StageWork(
            source,
            calls[source],
            limits[source].requests_per_second,
            allowed[source],
            limits[source].rate_limit_burst,
            retries[source],
        )
        for source in STAGES
    ]
    return {
        "label": spec["label"],
        "films": spec["films"],
        "nominations": nominations,
        "workers": stage_workers,
        "wall_seconds": round(wall, 3),
        "stages": [asdict(stage) for stage in stages],
        "stage_seconds": stage_seconds,
        "import_types": dict(import_types),
        "errors": dict(errors),
        "cost_usd": round(cost, 6),
        "peak_rss_mb": round(max_rss_mb(), 1),
        "import_rss_mb": round(import_rss, 1),
        "success": bool(result.success),
    }


def run_in_child(spec: dict[str, Any], sandbox_env: dict[str, str]) -> RunResult:
    with tempfile.TemporaryDirectory(prefix="cinegraph-bench-") as home:
        (Path(home) / "dagster.yaml").write_text((ROOT / "dagster.yaml").read_text())
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("TMDB_", "OMDB_"))},
            **sandbox_env,
            "DAGSTER_HOME": home,
            "CINEGRAPH_DATABASE_URL": f"sqlite:///{home}/cinegraph.db",
        }
        env.pop("ZYTE_API_KEY", None)
        completed = subprocess.run(
            [sys.executable, __file__, "--run-edition", json.dumps(spec)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
    if completed.returncode != 0 or not lines:
        sys.stderr.write(completed.stderr[-4000:])
        raise RuntimeError(f"the {spec['label']} run failed (exit {completed.returncode})")
    data = json.loads(lines[-1])
    data["stages"] = [StageWork(**stage) for stage in data["stages"]]
    return RunResult(**data)


# -- report -------------------------------------------------------------------------------------


def format_table(results: list[RunResult]) -> str:
    header = (
        f"{'edition':<22} {'films':>6} {'wall s':>8} {'floor s':>8} {'/floor':>6} "
        f"{'bound s':>8} {'/bound':>6} {'calls':>7} {'calls/film':>10} {'tmdb/film':>9} "
        f"{'429 %':>6} {'cost $':>8} {'peak MB':>8} {'+MB':>6} {'ms/film':>8}"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        lines.append(
            f"{r.label:<22} {r.films:>6} {r.wall_seconds:>8.1f} {r.floor_seconds:>8.1f} "
            f"{r.floor_ratio:>6.2f} {r.bound_seconds:>8.1f} {r.ratio:>6.2f} {r.calls:>7} "
            f"{r.calls / r.films:>10.2f} {r.tmdb_calls_per_film:>9.2f} "
            f"{100 * r.share_429:>6.2f} {r.cost_usd:>8.4f} {r.peak_rss_mb:>8.0f} "
            f"{r.peak_rss_mb - r.import_rss_mb:>6.0f} {1000 * r.wall_seconds / r.films:>8.1f}"
        )
    return "\n".join(lines)


def format_stages(results: list[RunResult], mean_latency: float) -> str:
    lines = [
        "per stage: calls (+retries) @ rate/s x workers used -> bound s (at the allowed "
        "workers) / measured s"
    ]
    for r in results:
        parts = []
        for stage in r.stages:
            measured = r.stage_seconds.get(stage.source)
            shown = f"{measured:.1f}" if measured is not None else "-"
            parts.append(
                f"{stage.source} {stage.calls}(+{stage.retries}) @ {stage.rate:g} x "
                f"{r.workers[stage.source]} -> {stage.bound_seconds(mean_latency):.1f}/{shown}"
            )
        outcome = ", ".join(f"{k} {v}" for k, v in sorted(r.import_types.items()))
        errors = ", ".join(f"{k} {v}" for k, v in sorted(r.errors.items())) or "none"
        lines.append(f"  {r.label}: " + "; ".join(parts))
        lines.append(f"      films: {outcome}; errors: {errors}")
    return "\n".join(lines)


def check_bars(results: list[RunResult], *, known_world: bool = False) -> list[str]:
    """The bars missed (empty when all are met)."""
    missed: list[str] = []
    scaled = sorted((r for r in results if r.workers["tmdb"] > 1), key=lambda r: r.films)
    for r in scaled:
        if not r.success:
            missed.append(f"{r.label}: the run failed")
        if r.films == RATIO_BAR_SIZE and r.ratio > RATIO_BAR:
            missed.append(f"{r.label}: ratio {r.ratio:.2f} > {RATIO_BAR}")
        if known_world:
            bar = FLOOR_BARS.get(r.films)
            if bar is not None and r.floor_ratio > bar:
                missed.append(f"{r.label}: wall / floor {r.floor_ratio:.2f} > {bar}")
            if r.tmdb_calls_per_film > TMDB_CALLS_BAR:
                missed.append(
                    f"{r.label}: {r.tmdb_calls_per_film:.2f} TMDb calls per film > {TMDB_CALLS_BAR}"
                )
    if len(scaled) >= 2:
        small, large = scaled[0], scaled[-1]
        per_film_small = small.wall_seconds / small.bound_seconds
        per_film_large = large.wall_seconds / large.bound_seconds
        if per_film_large > per_film_small * LINEAR_SLACK:
            missed.append(
                f"time grows faster than the work: wall/bound {per_film_small:.2f} at "
                f"{small.films} films, {per_film_large:.2f} at {large.films}"
            )
        # Memory: the growth over the imports, per film, must not rise with the size; a
        # floor of 20 MB absorbs what any run allocates whatever its size.
        grow_small = max(small.peak_rss_mb - small.import_rss_mb, 20.0) / small.films
        grow_large = (large.peak_rss_mb - large.import_rss_mb) / large.films
        if grow_large > grow_small * LINEAR_SLACK:
            missed.append(
                f"memory grows faster than linearly: {grow_small * 1000:.1f} KB/film at "
                f"{small.films} films, {grow_large * 1000:.1f} KB/film at {large.films}"
            )
    return missed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000", help="films per edition")
    parser.add_argument("--world", choices=sorted(WORLDS), default="known")
    parser.add_argument("--baseline-size", type=int, default=100, help="0: no baseline")
    parser.add_argument("--latency-ms", type=float, default=80.0)
    parser.add_argument("--latency-sigma", type=float, default=0.5)
    parser.add_argument("--tmdb-rps", type=float, default=40.0)
    parser.add_argument("--tmdb-burst", type=int, default=0, help="0: the product default")
    parser.add_argument("--tmdb-workers", type=int, default=0, help="0: the product default")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--serve-sandbox", help=argparse.SUPPRESS)
    parser.add_argument("--run-edition", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.serve_sandbox:
        serve_sandbox(json.loads(args.serve_sandbox))
        return 0
    if args.run_edition:
        print(json.dumps(run_edition(json.loads(args.run_edition))), flush=True)
        return 0

    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    runs: list[dict[str, Any]] = []
    for index, films in enumerate(sizes):
        runs.append({"label": f"locarno|{FIRST_YEAR + index}", "films": films, "workers": 0})
    if args.baseline_size:
        runs.append(
            {
                "label": f"locarno|{FIRST_YEAR + len(sizes)} w=1",
                "films": args.baseline_size,
                "workers": 1,
            }
        )
    for index, run in enumerate(runs):
        run["year"] = FIRST_YEAR + index
        run["tmdb_rps"] = args.tmdb_rps
        run["tmdb_burst"] = args.tmdb_burst
        run["tmdb_workers"] = args.tmdb_workers
    largest = max(run["films"] for run in runs)
    sandbox_spec = {
        "latency_ms": args.latency_ms,
        "latency_sigma": args.latency_sigma,
        "tmdb_rps": args.tmdb_rps,
        "copies": copies_for(largest),
        "difficulty": WORLDS[args.world],
        "editions": [(run["year"], run["films"]) for run in runs],
    }
    mean_latency = mean_latency_seconds(args.latency_ms, args.latency_sigma)
    print(
        f"sandbox: latency median {args.latency_ms:g} ms (sigma {args.latency_sigma:g}, mean "
        f"{mean_latency * 1000:.0f} ms), TMDb 429 above {args.tmdb_rps:g}/s; "
        f"{sandbox_spec['copies']} catalogue copies",
        flush=True,
    )
    sandbox = SandboxProcess(sandbox_spec)
    results: list[RunResult] = []
    try:
        for run in runs:
            started = time.monotonic()
            served, limited = sandbox.tmdb_counts()
            result = run_in_child(run, sandbox.env())
            served_after, limited_after = sandbox.tmdb_counts()
            result.tmdb_requests, result.tmdb_429 = served_after - served, limited_after - limited
            result.bound_seconds = sum(s.bound_seconds(mean_latency) for s in result.stages)
            result.floor_seconds = result.films / args.tmdb_rps if args.tmdb_rps > 0 else 0.0
            results.append(result)
            print(
                f"  {result.label}: {result.films} films in {result.wall_seconds:.1f} s "
                f"(bound {result.bound_seconds:.1f} s, process {time.monotonic() - started:.0f} s)",
                flush=True,
            )
    finally:
        stats = sandbox.stop()
    print()
    print(format_table(results))
    print()
    print(format_stages(results, mean_latency))
    routes = stats.get("routes", {})
    limited = sum(
        count
        for route, outcomes in routes.items()
        if route.startswith("tmdb")
        for outcome, count in (outcomes.items() if isinstance(outcomes, dict) else [])
        if outcome == "rate_limit"
    )
    print(f"\nTMDb answered 429 {limited} times in all")
    missed = check_bars(results, known_world=args.world == "known")
    for line in missed:
        print(f"BAR MISSED: {line}")
    if not missed:
        print("bars met: ratio <= 1.3 at 1,000 films; time and memory per film not rising")
        if args.world == "known":
            print(
                "  and wall / floor <= 1.5 at 1,000 films, <= 1.15 at 10,000; "
                f"<= {TMDB_CALLS_BAR} TMDb calls per film"
            )
    if args.json:
        payload = [
            {
                **asdict(r),
                "ratio": r.ratio,
                "floor_ratio": r.floor_ratio,
                "tmdb_calls_per_film": r.tmdb_calls_per_film,
                "share_429": r.share_429,
                "calls": r.calls,
            }
            for r in results
        ]
        args.json.write_text(json.dumps(payload, indent=2))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())

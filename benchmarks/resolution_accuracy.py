"""Accuracy and cost of the TMDb cascade: on the labeled evaluation set, or end to end on the
sandbox.

    python benchmarks/resolution_accuracy.py [--set PATH] [--tmdb memory|sandbox|factory]
        [--seed N] [--seeds N,N,...] [--tmdb-factory module:callable]
        [--max-fallback-level N] [--min-confidence X] [--show-errors N] [--json]

Prints precision (share of accepted matches that are right), recall (share of the films TMDb
knows that were found; films the catalogue cannot tell apart are left out and reported as the
ambiguity they are), ambiguity rate and TMDb calls per film, overall, per level and per
variant, and exits 1 when a bar is missed (precision >= 99.5%, recall >= 97%, <= 2.5 calls per
film).

`--tmdb memory` (default) resolves against the in-memory TMDb built from the set's catalogue.

`--tmdb sandbox` is the end-to-end mode: it starts the sandbox in-process (127.0.0.1, a free
port), reads every Cannes edition it serves through the real `ImdbClient.event_page` parser
(title, original title, year and IMDb id exactly as the festival page shows them, turned into
queries as the import does), resolves each festival film with `TmdbResolver` over the real
HTTP `TmdbClient`, and labels the outcome with the sandbox's ground truth: the film's own TMDb
record when TMDb knows it, no match otherwise (a match to the record that carries the film's
IMDb id by mistake is wrong). Calls per film are counted from the client's metric rows (every
call the resolver made, run-memo replays included) and checked against the requests the
sandbox served. The full table is printed for `--seed` (default: the sandbox's default seed),
then one line per seed for `--seed` and each of `--seeds` (a robustness check; `--seeds ''`
for none); a bar missed on any seed fails the run. The set file is not used in this mode.

`--tmdb factory --tmdb-factory pkg.module:make` plugs in any other `TmdbApi`: `make(evaluation_set)`
must return it. The expected ids are the set's catalogue's, so that TMDb must serve that
catalogue for the figures to mean anything.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.evaluation import (
    CALLS_PER_FILM_BAR,
    PRECISION_BAR,
    RECALL_BAR,
    Call,
    EvaluationItem,
    EvaluationReport,
    EvaluationSet,
    ItemResult,
    Tally,
    evaluate,
    load_evaluation_set,
)
from cinegraph_pipeline.imports.nominations import edition_nominations
from cinegraph_pipeline.resolution.config import Level, ResolutionConfig
from cinegraph_pipeline.resolution.ports import TmdbApi
from cinegraph_pipeline.resolution.tmdb_cascade import DirectRoute, TmdbResolver
from cinegraph_pipeline.sandbox import Catalog, Difficulty, FilmTruth, SandboxConfig, SandboxServer
from cinegraph_pipeline.sandbox.catalog import CANNES_EVENT_ID
from cinegraph_pipeline.sources.errors import Source
from cinegraph_pipeline.sources.imdb.client import ImdbClient
from cinegraph_pipeline.sources.imdb.resource import ImdbResource
from cinegraph_pipeline.sources.records import FilmQuery
from cinegraph_pipeline.sources.tmdb.resource import TmdbResource
from cinegraph_pipeline.sources.tracking import MetricRow, NullRecorder, build_row

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SET = ROOT / "cinegraph_pipeline_tests" / "resolution" / "data" / "evaluation_set.json"
DEFAULT_SANDBOX_SEED = SandboxConfig().seed
# The robustness seeds run after --seed: arbitrary, fixed so that runs are comparable.
DEFAULT_EXTRA_SEEDS: tuple[int, ...] = (1, 7, 42, 1234, 99991)
# Tags of the sandbox items besides the sandbox's own traits.
PLAIN_TAG = "plain"  # no difficulty trait at all
NOT_ON_TMDB_TAG = "not_on_tmdb"  # TMDb does not know the film: any match is wrong


def load_factory(spec: str) -> Callable[[EvaluationSet], TmdbApi]:
    module_name, _, attribute = spec.partition(":")
    if not attribute:
        raise SystemExit("--tmdb-factory must look like package.module:callable")
    return getattr(importlib.import_module(module_name), attribute)  # type: ignore[no-any-return]


# -- the sandbox mode ---------------------------------------------------------------------


class RowLog:
    """A `Recorder` that keeps the `api_lookup_metrics` rows the clients write, in memory."""

    def __init__(self) -> None:
        self.rows: list[MetricRow] = []
        self._lock = threading.Lock()

    def record(self, **fields: Any) -> None:
        row = build_row({}, **fields)
        with self._lock:
            self.rows.append(row)

    def __len__(self) -> int:
        with self._lock:
            return len(self.rows)

    def since(self, start: int) -> list[MetricRow]:
        with self._lock:
            return self.rows[start:]


def call_of(row: Mapping[str, Any]) -> Call:
    return Call(
        str(row["operation"]),
        str(row["target_identifier"]),
        row["fallback_level"],
        row["confidence_score"],
    )


def read_festival_films(imdb: ImdbClient, latest_edition: int) -> list[FilmQuery]:
    """Every film of every Cannes edition the IMDb pages list, as the import sees it: the
    latest edition's page names the others (`historyEventEditions`); each page goes through
    the real parser and `edition_nominations` (which drops an original title equal to the
    title). A film named in several editions is kept once, with its first edition's data."""
    first = imdb.event_page(CANNES_EVENT_ID, latest_edition)
    editions = [first] + [
        imdb.event_page(CANNES_EVENT_ID, year)
        for year in first.edition_years
        if year != latest_edition
    ]
    films: dict[str, FilmQuery] = {}
    for edition in sorted(editions, key=lambda e: e.year):
        for query in edition_nominations("cannes", edition).films:
            films.setdefault(query.imdb_id, query)
    return sorted(films.values(), key=lambda query: query.imdb_id)


def cannes_truths(catalog: Catalog) -> list[FilmTruth]:
    """The ground truth of the Cannes films (the set this benchmark measures; the sandbox's
    other events are served to the pipeline but not part of these figures)."""
    return [truth for truth in catalog.truths() if truth.editions]


def sandbox_evaluation_set(
    catalog: Catalog, queries: Sequence[FilmQuery], seed: int
) -> EvaluationSet:
    """The festival films labeled with the sandbox's ground truth; tags are the truth's
    traits, plus `not_on_tmdb` and `plain` (no trait). Fails when the pages and the catalogue
    disagree on which films are festival films: the figures would not cover the catalogue."""
    festival = {truth.imdb_id for truth in cannes_truths(catalog)}
    read = {query.imdb_id for query in queries}
    if read != festival:
        raise RuntimeError(
            f"the event pages list {len(read)} films, the catalogue {len(festival)} festival "
            f"films ({len(read - festival)} only on the pages, {len(festival - read)} missing)"
        )
    items = []
    for query in queries:
        truth = catalog.truth(query.imdb_id)
        tags = truth.traits if truth.on_tmdb else (*truth.traits, NOT_ON_TMDB_TAG)
        items.append(
            EvaluationItem(
                item_id=query.imdb_id,
                query=query,
                expected_tmdb_id=truth.tmdb_id if truth.on_tmdb else None,
                tags=tags or (PLAIN_TAG,),
            )
        )
    return EvaluationSet(
        items=tuple(items), catalogue=(), description={"source": "sandbox", "seed": seed}
    )


@dataclass(frozen=True, slots=True)
class SandboxRun:
    """One sandbox evaluation. `tmdb_rows` are the TMDb metric rows the client wrote (one per
    call the resolver made), `tmdb_requests` the TMDb requests the sandbox served (calls not
    answered from the client's run memo); `suspect_ids` maps a film to the record that carries
    its IMDb id by mistake."""

    seed: int
    report: EvaluationReport
    suspect_ids: Mapping[str, int]
    tmdb_rows: int
    tmdb_rows_from_memo: int
    tmdb_requests: int
    event_pages: int
    seconds: float

    @property
    def requests_per_film(self) -> float:
        films = len(self.report.results)
        return self.tmdb_requests / films if films else 0.0

    def suspect_matches(self) -> list[ItemResult]:
        return [
            r
            for r in self.report.results
            if r.found_id is not None and r.found_id == self.suspect_ids.get(r.item.item_id)
        ]


def _route_total(stats: Mapping[str, Any], prefix: str) -> int:
    routes: Mapping[str, Mapping[str, int]] = stats["routes"]
    return sum(counts["total"] for route, counts in routes.items() if route.startswith(prefix))


def evaluate_on_sandbox(
    seed: int = DEFAULT_SANDBOX_SEED,
    config: ResolutionConfig | None = None,
    difficulty: Difficulty | None = None,
) -> SandboxRun:
    """Starts a sandbox with this seed (and the sandbox's default difficulty unless another
    is given), reads its event pages and resolves every festival film through `TmdbResolver`
    over the real HTTP `TmdbClient` (one client for the run, as a stage has; a fresh resolver
    per film, so that each film's calls are its own). No HTTP cache and no client-side rate
    limit: the sandbox injects no faults unless asked to."""
    started = time.perf_counter()
    sandbox_config = SandboxConfig(seed=seed, difficulty=difficulty or Difficulty())
    with SandboxServer(sandbox_config) as sandbox:
        env = sandbox.env()
        imdb_resource = ImdbResource(
            base_url=env["IMDB_BASE_URL"], requests_per_second=0, cache_backend="none"
        )
        with imdb_resource.client(NullRecorder()) as imdb:
            queries = read_festival_films(imdb, max(sandbox.catalog.edition_years()))
        evaluation_set = sandbox_evaluation_set(sandbox.catalog, queries, seed)
        event_pages = _route_total(sandbox.stats(), "imdb.")
        served_before = _route_total(sandbox.stats(), "tmdb.")
        tmdb_resource = TmdbResource(
            base_url=env["TMDB_BASE_URL"],
            api_key=env["TMDB_API_KEY"],
            requests_per_second=0,
            cache_backend="none",
        )
        rows = RowLog()
        results = []
        route = DirectRoute(sample=(config or ResolutionConfig()).direct_route_checks)
        with tmdb_resource.client(rows) as tmdb:
            for item in evaluation_set.items:
                start = len(rows)
                outcome = TmdbResolver(tmdb, config, route=route).resolve(item.query)
                calls = tuple(call_of(r) for r in rows.since(start) if r["source"] == Source.TMDB)
                results.append(ItemResult(item, outcome, calls))
        served = _route_total(sandbox.stats(), "tmdb.") - served_before
        suspects = {
            truth.imdb_id: truth.suspect_tmdb_id
            for truth in sandbox.catalog.truths()
            if truth.suspect_tmdb_id is not None
        }
    tmdb_rows = [r for r in rows.rows if r["source"] == Source.TMDB]
    return SandboxRun(
        seed=seed,
        report=EvaluationReport(tuple(results)),
        suspect_ids=suspects,
        tmdb_rows=len(tmdb_rows),
        tmdb_rows_from_memo=sum(bool(r["cached"]) for r in tmdb_rows),
        tmdb_requests=served,
        event_pages=event_pages,
        seconds=time.perf_counter() - started,
    )


def meets_bars(runs: Iterable[SandboxRun]) -> bool:
    return all(run.report.meets_bars() for run in runs)


# -- output -------------------------------------------------------------------------------


def _row(name: str, tally: Tally) -> str:
    # A share of nothing is shown as "-": films TMDb does not know have no recall.
    precision = f"{tally.precision:9.2%}" if tally.found else f"{'-':>9}"
    recall = f"{tally.recall:7.2%}" if tally.known else f"{'-':>7}"
    return (
        f"{name:34} {tally.films:5} {tally.found:6} {tally.correct:7} {tally.wrong:6} "
        f"{tally.ambiguous:6} {precision} {recall} {tally.calls_per_film:6.2f}"
    )


def render(
    report: EvaluationReport,
    show_errors: int,
    *,
    title: str = "TMDb cascade on the evaluation set",
    groups: str = "By variant (tags)",
    notes: Sequence[str] = (),
    describe_miss: Callable[[ItemResult], str] | None = None,
) -> str:
    overall = report.overall
    header = (
        f"{'':34} {'films':>5} {'found':>6} {'correct':>7} {'wrong':>6} {'ambig':>6} "
        f"{'precision':>9} {'recall':>7} {'calls':>6}"
    )
    lines = [
        title,
        f"  precision        {report.precision:8.2%}  (bar {PRECISION_BAR:.1%})",
        f"  recall           {report.recall:8.2%}  (bar {RECALL_BAR:.0%}; "
        f"{overall.recalled} of {overall.known} films TMDb knows)",
        f"  ambiguity rate   {report.ambiguity_rate:8.2%}  ({overall.ambiguous} films)",
        f"  calls per film   {report.calls_per_film:8.2f}  (bar {CALLS_PER_FILM_BAR}; "
        + ", ".join(
            f"{op} {n / max(overall.films, 1):.2f}"
            for op, n in sorted(report.calls_by_operation().items())
        )
        + ")",
        *notes,
        "",
        "By accepted level",
        header,
    ]
    for level, tally in report.by_level().items():
        lines.append(_row(f"{level} {Level(level).name.lower()}", tally))
    lines += ["", groups, header]
    lines += [_row(tag, tally) for tag, tally in report.by_tag().items()]
    lines.append(_row("all", overall))
    errors = [
        r
        for r in report.results
        if r.wrong or (r.item.expected_tmdb_id is not None and not r.correct)
    ]
    if show_errors and errors:
        lines += ["", f"Misses and wrong matches (first {show_errors} of {len(errors)})"]
        lines += [(describe_miss or _describe_miss)(result) for result in errors[:show_errors]]
    verdict = "meets" if report.meets_bars() else "MISSES"
    lines += ["", f"Result: {verdict} the bars"]
    return "\n".join(lines)


def _describe_miss(result: ItemResult) -> str:
    query = result.item.query
    return (
        f"  {result.item.item_id}: {query.title!r} / {query.original_title!r} "
        f"({query.year}) expected {result.item.expected_tmdb_id}, got "
        f"{result.outcome.status} {result.found_id} level {result.outcome.fallback_level}"
        f" calls {[c.target for c in result.calls]}"
    )


def sandbox_miss_describer(run: SandboxRun) -> Callable[[ItemResult], str]:
    """A miss line with the film's traits, and the suspect record named as such."""

    def describe(result: ItemResult) -> str:
        suspect = run.suspect_ids.get(result.item.item_id)
        which = " (the suspect record carrying its IMDb id)" if result.found_id == suspect else ""
        candidates = [
            (c.source_id, c.title, c.year, round(c.score, 3)) for c in result.outcome.candidates
        ]
        return (
            f"{_describe_miss(result)}{which} traits {list(result.item.tags)}"
            f" candidates {candidates}"
            + (f" error {result.outcome.error_type}" if result.outcome.error_type else "")
        )

    return describe


def seed_line(run: SandboxRun) -> str:
    report, overall = run.report, run.report.overall
    verdict = "meets the bars" if report.meets_bars() else "MISSES the bars"
    return (
        f"  seed {run.seed:>6}: {overall.films} films ({overall.known} on TMDb), "
        f"precision {report.precision:7.2%}, recall {report.recall:7.2%}, "
        f"ambiguity {report.ambiguity_rate:6.2%}, {report.calls_per_film:.2f} calls per film "
        f"({run.requests_per_film:.2f} requests), wrong {overall.wrong}, "
        f"suspect matches {len(run.suspect_matches())}, {run.seconds:.1f} s: {verdict}"
    )


def render_sandbox(runs: Sequence[SandboxRun], show_errors: int) -> str:
    main = runs[0]
    notes = [
        f"  requests served  {main.requests_per_film:8.2f}  per film ({main.tmdb_requests} TMDb "
        f"requests for {main.tmdb_rows} metric rows, {main.tmdb_rows_from_memo} answered from "
        f"the client's run memo; {main.event_pages} event pages read)",
    ]
    text = render(
        main.report,
        show_errors,
        title=f"TMDb cascade end to end on the sandbox (seed {main.seed}, real HTTP clients)",
        groups="By sandbox trait (a film may have several)",
        notes=notes,
        describe_miss=sandbox_miss_describer(main),
    )
    lines = [text, "", "Per seed", *(seed_line(run) for run in runs)]
    verdict = "meets" if meets_bars(runs) else "MISSES"
    lines += ["", f"Result over {len(runs)} seeds: {verdict} the bars"]
    return "\n".join(lines)


def _tally_json(t: Tally) -> dict[str, float]:
    return {
        "films": t.films,
        "found": t.found,
        "correct": t.correct,
        "wrong": t.wrong,
        "ambiguous": t.ambiguous,
        "precision": round(t.precision, 4),
        "recall": round(t.recall, 4),
        "calls_per_film": round(t.calls_per_film, 3),
    }


def report_json(report: EvaluationReport) -> dict[str, Any]:
    return {
        "overall": _tally_json(report.overall),
        "ambiguity_rate": round(report.ambiguity_rate, 4),
        "calls_by_operation": dict(report.calls_by_operation()),
        "by_level": {str(k): _tally_json(v) for k, v in report.by_level().items()},
        "by_tag": {k: _tally_json(v) for k, v in report.by_tag().items()},
        "meets_bars": report.meets_bars(),
    }


def as_json(report: EvaluationReport) -> str:
    return json.dumps(report_json(report), indent=2)


def sandbox_json(runs: Sequence[SandboxRun]) -> str:
    return json.dumps(
        {
            "mode": "sandbox",
            "runs": [
                {
                    "seed": run.seed,
                    **report_json(run.report),
                    "tmdb_requests_per_film": round(run.requests_per_film, 3),
                    "suspect_matches": len(run.suspect_matches()),
                }
                for run in runs
            ],
            "meets_bars": meets_bars(runs),
        },
        indent=2,
    )


# -- command line -------------------------------------------------------------------------


def parse_seeds(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"seeds must be integers: {text!r}") from error


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", type=Path, default=DEFAULT_SET)
    parser.add_argument("--tmdb", choices=("memory", "sandbox", "factory"), default="memory")
    parser.add_argument("--tmdb-factory", help="package.module:callable returning a TmdbApi")
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SANDBOX_SEED, help="sandbox: the seed shown in full"
    )
    parser.add_argument(
        "--seeds",
        type=parse_seeds,
        default=DEFAULT_EXTRA_SEEDS,
        help="sandbox: more seeds, one line each (comma-separated; '' for none)",
    )
    parser.add_argument("--max-fallback-level", type=int, default=6)
    parser.add_argument("--min-confidence", type=float, default=0.5)
    parser.add_argument("--show-errors", type=int, default=20)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)

    config = ResolutionConfig(
        max_fallback_level=args.max_fallback_level, min_confidence=args.min_confidence
    )
    if args.tmdb == "sandbox":
        seeds = dict.fromkeys((args.seed, *args.seeds))  # in order, each once
        runs = [evaluate_on_sandbox(seed, config) for seed in seeds]
        print(sandbox_json(runs) if args.json else render_sandbox(runs, args.show_errors))
        return 0 if meets_bars(runs) else 1

    factory = None
    if args.tmdb == "factory":
        if not args.tmdb_factory:
            parser.error("--tmdb factory needs --tmdb-factory package.module:callable")
        factory = load_factory(args.tmdb_factory)
    report = evaluate(load_evaluation_set(args.set), factory, config)
    print(as_json(report) if args.json else render(report, args.show_errors))
    return 0 if report.meets_bars() else 1


if __name__ == "__main__":
    sys.exit(main())

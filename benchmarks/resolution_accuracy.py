"""Accuracy and cost of the TMDb cascade on the labeled evaluation set.

    python benchmarks/resolution_accuracy.py [--set PATH] [--tmdb memory|factory]
        [--tmdb-factory module:callable] [--max-fallback-level N] [--min-confidence X]
        [--show-errors N] [--json]

Prints precision (share of accepted matches that are right), recall (share of the films TMDb
knows that were found; films the catalogue cannot tell apart are left out and reported as the
ambiguity they are), ambiguity rate and TMDb calls per film, overall, per level and per
variant, and exits 1 when a bar is missed (precision >= 99.5%, recall >= 97%, <= 2.5 calls per
film).

`--tmdb memory` (default) resolves against the in-memory TMDb built from the set's catalogue.
`--tmdb factory --tmdb-factory pkg.module:make` plugs in any other `TmdbApi`, e.g. the HTTP
client pointed at the sandbox server: `make(evaluation_set)` must return it. The expected ids
are the catalogue's, so a server must serve that catalogue (or the set must be rebuilt from the
server's data) for the figures to mean anything.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable
from pathlib import Path

from cinegraph_pipeline.resolution.config import Level, ResolutionConfig
from cinegraph_pipeline.resolution.evaluation import (
    CALLS_PER_FILM_BAR,
    PRECISION_BAR,
    RECALL_BAR,
    EvaluationReport,
    EvaluationSet,
    Tally,
    evaluate,
    load_evaluation_set,
)
from cinegraph_pipeline.resolution.ports import TmdbApi

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SET = ROOT / "cinegraph_pipeline_tests" / "resolution" / "data" / "evaluation_set.json"


def load_factory(spec: str) -> Callable[[EvaluationSet], TmdbApi]:
    module_name, _, attribute = spec.partition(":")
    if not attribute:
        raise SystemExit("--tmdb-factory must look like package.module:callable")
    return getattr(importlib.import_module(module_name), attribute)  # type: ignore[no-any-return]


def _row(name: str, tally: Tally) -> str:
    # A share of nothing is shown as "-": films TMDb does not know have no recall.
    precision = f"{tally.precision:9.2%}" if tally.found else f"{'-':>9}"
    recall = f"{tally.recall:7.2%}" if tally.known else f"{'-':>7}"
    return (
        f"{name:34} {tally.films:5} {tally.found:6} {tally.correct:7} {tally.wrong:6} "
        f"{tally.ambiguous:6} {precision} {recall} {tally.calls_per_film:6.2f}"
    )


def render(report: EvaluationReport, show_errors: int) -> str:
    overall = report.overall
    header = (
        f"{'':34} {'films':>5} {'found':>6} {'correct':>7} {'wrong':>6} {'ambig':>6} "
        f"{'precision':>9} {'recall':>7} {'calls':>6}"
    )
    lines = [
        "TMDb cascade on the evaluation set",
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
        "",
        "By accepted level",
        header,
    ]
    for level, tally in report.by_level().items():
        lines.append(_row(f"{level} {Level(level).name.lower()}", tally))
    lines += ["", "By variant (tags)", header]
    lines += [_row(tag, tally) for tag, tally in report.by_tag().items()]
    lines.append(_row("all", overall))
    errors = [
        r
        for r in report.results
        if r.wrong or (r.item.expected_tmdb_id is not None and not r.correct)
    ]
    if show_errors and errors:
        lines += ["", f"Misses and wrong matches (first {show_errors} of {len(errors)})"]
        for result in errors[:show_errors]:
            query = result.item.query
            lines.append(
                f"  {result.item.item_id}: {query.title!r} / {query.original_title!r} "
                f"({query.year}) expected {result.item.expected_tmdb_id}, got "
                f"{result.outcome.status} {result.found_id} level {result.outcome.fallback_level}"
                f" calls {[c.target for c in result.calls]}"
            )
    verdict = "meets" if report.meets_bars() else "MISSES"
    lines += ["", f"Result: {verdict} the bars"]
    return "\n".join(lines)


def as_json(report: EvaluationReport) -> str:
    def tally(t: Tally) -> dict[str, float]:
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

    return json.dumps(
        {
            "overall": tally(report.overall),
            "ambiguity_rate": round(report.ambiguity_rate, 4),
            "calls_by_operation": dict(report.calls_by_operation()),
            "by_level": {str(k): tally(v) for k, v in report.by_level().items()},
            "by_tag": {k: tally(v) for k, v in report.by_tag().items()},
            "meets_bars": report.meets_bars(),
        },
        indent=2,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", type=Path, default=DEFAULT_SET)
    parser.add_argument("--tmdb", choices=("memory", "factory"), default="memory")
    parser.add_argument("--tmdb-factory", help="package.module:callable returning a TmdbApi")
    parser.add_argument("--max-fallback-level", type=int, default=6)
    parser.add_argument("--min-confidence", type=float, default=0.5)
    parser.add_argument("--show-errors", type=int, default=20)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)

    factory = None
    if args.tmdb == "factory":
        if not args.tmdb_factory:
            parser.error("--tmdb factory needs --tmdb-factory package.module:callable")
        factory = load_factory(args.tmdb_factory)
    config = ResolutionConfig(
        max_fallback_level=args.max_fallback_level, min_confidence=args.min_confidence
    )
    report = evaluate(load_evaluation_set(args.set), factory, config)
    print(as_json(report) if args.json else render(report, args.show_errors))
    return 0 if report.meets_bars() else 1


if __name__ == "__main__":
    sys.exit(main())

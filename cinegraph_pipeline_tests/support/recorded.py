"""Recorded upstream responses copied into the test tree (`cinegraph_pipeline_tests/fixtures`,
origins and licences in its SOURCES.md). The IMDb title pages are stored gzip-compressed."""

from __future__ import annotations

import gzip
from pathlib import Path

RECORDED = Path(__file__).resolve().parents[1] / "fixtures"


def recorded_path(*parts: str) -> Path:
    """The path of a recorded fixture (with `.gz` appended when only the compressed copy is
    stored); FileNotFoundError naming the file when it is missing."""
    path = RECORDED.joinpath(*parts)
    if path.exists():
        return path
    packed = path.with_name(path.name + ".gz")
    if packed.exists():
        return packed
    raise FileNotFoundError(f"recorded fixture {path} is missing from the test tree")


def recorded_bytes(*parts: str) -> bytes:
    path = recorded_path(*parts)
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def recorded_text(*parts: str) -> str:
    return recorded_bytes(*parts).decode("utf-8")


def recorded_imdb_title_pages() -> list[tuple[str, str]]:
    """(file name without `.gz`, page text) of every recorded IMDb title page."""
    folder = RECORDED / "flexget" / "imdb_title"
    return [
        (path.name.removesuffix(".gz"), gzip.decompress(path.read_bytes()).decode("utf-8"))
        for path in sorted(folder.glob("*.html.gz"))
    ]

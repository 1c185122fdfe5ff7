"""What the throughput benchmark stands on: the sandbox's accepted keys, renamed catalogue
copies and synthetic editions, the benchmark's lower bound, and a smoke run of the benchmark
itself."""

from __future__ import annotations

import base64
import importlib.util
import json
import math
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest
import requests

from cinegraph_pipeline.sandbox import SandboxConfig, SandboxServer
from cinegraph_pipeline.sandbox.catalog import Catalog, copy_id, copy_word
from cinegraph_pipeline.sandbox.settings import SyntheticEdition
from cinegraph_pipeline.sources.imdb.client import ImdbClient
from cinegraph_pipeline.sources.options import HttpOptions
from cinegraph_pipeline.sources.tracking import NullRecorder

from .support import REPO_ROOT

BENCHMARK = REPO_ROOT / "benchmarks" / "edition_throughput.py"


def _benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("edition_throughput", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["edition_throughput"] = module
    spec.loader.exec_module(module)
    return module


def test_the_sandbox_accepts_the_configured_keys_only() -> None:
    key = "tmdb-key-0f1e2d3c"
    with SandboxServer(SandboxConfig(accepted_keys=(key,))) as sandbox:
        base = sandbox.base_url
        find = f"{base}/tmdb/3/find/tt4048272"
        params = {"external_source": "imdb_id"}
        assert requests.get(find, params={**params, "api_key": key}, timeout=5).status_code == 200
        refused = requests.get(find, params={**params, "api_key": "sandbox"}, timeout=5)
        assert refused.status_code == 401 and refused.json()["status_code"] == 7
        bearer = {"Authorization": f"Bearer {key}"}
        assert requests.get(find, params=params, headers=bearer, timeout=5).status_code == 200
        omdb = requests.get(f"{base}/omdb/", params={"apikey": key, "i": "tt4048272"}, timeout=5)
        assert omdb.json()["Response"] == "True"
        wrong = requests.get(
            f"{base}/omdb/", params={"apikey": "sandbox", "i": "tt4048272"}, timeout=5
        )
        assert wrong.status_code == 401
        basic = base64.b64encode(f"{key}:".encode()).decode()
        zyte = requests.post(
            f"{base}/zyte/v1/extract",
            json={"url": "https://www.imdb.com/title/tt4048272/", "httpResponseBody": True},
            headers={"Authorization": f"Basic {basic}"},
            timeout=5,
        )
        assert zyte.status_code == 200 and zyte.json()["statusCode"] == 200
        assert sandbox.env()["TMDB_API_KEY"] == key


def test_catalogue_copies_are_renamed_films_with_their_own_difficulty() -> None:
    real = Catalog.load()
    copied = Catalog.load(copies=2)
    assert len(copied.films) == 3 * len(real.films)
    assert len(copied.festival_films()) == 3 * len(real.festival_films())
    # The real films are untouched: same truths, same TMDb ids.
    for imdb_id in real.films:
        assert copied.truth(imdb_id) == real.truth(imdb_id)
    originals = sorted(real.films)
    for number in (1, 2):
        word = copy_word(number)
        for index in (0, 500, len(originals) - 1):
            original = real.films[originals[index]]
            copy = copied.films[copy_id(number, index)]
            assert copy.title == f"{original.title} {word}"
            assert copy.original_title == f"{original.original_title} {word}"
            assert (copy.year, copy.directors) == (original.year, original.directors)
        sources = Counter(
            copied.truth(copy_id(number, i)).expected_source
            for i, imdb_id in enumerate(originals)
            if real.films[imdb_id].role == "festival"
        )
        assert sources == Counter(t.expected_source for t in real.truths())
    assert len({copy_word(n) for n in range(1, 1000)}) == 999
    tmdb_ids = [record.tmdb_id for record in copied.records.values()]
    assert len(set(tmdb_ids)) == len(copied.films)


def test_a_synthetic_edition_lists_n_distinct_films() -> None:
    edition = SyntheticEdition("ev0000400", 2001, 700, salt="scale-test")
    config = SandboxConfig(catalog_copies=2, synthetic_editions=(edition,))
    with SandboxServer(config) as sandbox:
        client = ImdbClient(
            HttpOptions(f"{sandbox.base_url}/imdb", cache_backend="none"), NullRecorder()
        )
        page = client.event_page("ev0000400", 2001)
        assert len(page.nominations) == 700
        films = {film.imdb_id for nomination in page.nominations for film in nomination.films}
        assert len(films) == 700
        assert any(imdb_id.startswith("tt9") for imdb_id in films)
        for imdb_id in list(films)[:20]:
            assert sandbox.truth(imdb_id).festival
        assert page.edition_years == (2001,)
        assert client.event_page("ev0000147", 2016).nominations  # Cannes still there
    too_many = len(Catalog.load().festival_films()) + 1
    beyond = SyntheticEdition("ev0000400", 2001, too_many, salt="scale-test")
    with pytest.raises(ValueError, match="catalog copies"):
        SandboxServer(SandboxConfig(synthetic_editions=(beyond,)))


def test_the_lower_bound_is_the_slowest_of_rate_and_latency_per_stage() -> None:
    bench = _benchmark()
    latency = bench.mean_latency_seconds(80, 0.5)
    assert latency == pytest.approx(0.08 * math.exp(0.125))
    rate_bound = bench.StageWork("tmdb", calls=401, rate=40, workers=8, burst=1)
    assert rate_bound.bound_seconds(latency) == pytest.approx(10.0)
    latency_bound = bench.StageWork("omdb", calls=100, rate=0, workers=4)
    assert latency_bound.bound_seconds(latency) == pytest.approx(100 * latency / 4)
    per_catalog = bench.FESTIVAL_FILMS_PER_CATALOG
    assert per_catalog == len(Catalog.load().festival_films())
    assert bench.copies_for(per_catalog) == 0 and bench.copies_for(per_catalog + 1) == 1
    assert bench.copies_for(10_000) == math.ceil(10_000 / per_catalog) - 1 == 5


@pytest.mark.slow
def test_the_benchmark_runs_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    completed = subprocess.run(
        [
            sys.executable,
            str(BENCHMARK),
            "--sizes",
            "40",
            "--baseline-size",
            "0",
            "--latency-ms",
            "5",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        cwd=str(REPO_ROOT),
    )
    assert "ratio" in completed.stdout, completed.stdout + completed.stderr[-3000:]
    (result,) = json.loads(out.read_text())
    assert result["success"] and result["films"] == 40
    assert sum(result["import_types"].values()) == 40
    assert result["calls"] >= 40 and result["bound_seconds"] > 0
    assert result["peak_rss_mb"] > result["import_rss_mb"] > 0
    assert not result["errors"]

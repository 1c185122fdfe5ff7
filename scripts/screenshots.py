"""Helper of scripts/screenshots: runs api_health and review_queue through the webserver,
then photographs them.

Plain pages are taken with Chromium's `--screenshot`. The summary table, the review queue and
the metadata plots (behind a "Plots" toggle) are driven over the DevTools protocol (a local
websocket) to scroll or click, then captured. The welcome dialog of a fresh instance is
marked as seen first. `--output DIR` may be relative (to the directory the script was called
from) or anywhere on disk.

With --seed, a throwaway Dagster home and SQLite film database are filled with synthetic
metrics and the movies rows of the films they resolved (a week of traffic, then a day in which
TMDb degrades: more failed attempts, retries that still win), a few films flagged for review,
and api_health is materialized three times as that day's traffic arrives, so the plots have a
history.
"""

from __future__ import annotations

import argparse
import base64
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from dagster import DagsterRunStatus
from dagster_graphql import DagsterGraphQLClient

from benchmarks.synthetic_traffic import Mix, store_traffic, synthetic_traffic
from cinegraph_pipeline import config
from cinegraph_pipeline.partitions import FESTIVALS
from cinegraph_pipeline.storage.engine import create_database_engine
from cinegraph_pipeline.storage.migrate import upgrade
from cinegraph_pipeline.storage.writes import movie_ids, upsert_movies, upsert_nominations
from cinegraph_pipeline_tests.health.dagster_processes import (
    REPO_ROOT,
    dagster_home,
    dagster_ui,
    free_port,
)

ASSET = "/assets/api_health"
PAGES = {
    "api_health_overview": ASSET,
    "api_health_checks": f"{ASSET}?view=checks",
    "api_health_check_tmdb_success_rate": f"{ASSET}?view=checks&checkDetail=tmdb_success_rate",
    "api_health_events": f"{ASSET}?view=events",
}
# (file name, page, JavaScript that opens the view to capture)
CLICK_ROW = """(() => {{
  const row = [...document.querySelectorAll('tr')]
    .find(tr => tr.querySelector('td') && tr.querySelector('td').textContent.trim() === '{key}');
  const button = row && [...row.querySelectorAll('button, a')]
    .find(b => b.textContent.includes('Show Markdown'));
  if (button) {{ button.click(); return true; }}
  return false;
}})()"""
CLICK_TEXT = """(() => {{
  const button = [...document.querySelectorAll('button')]
    .find(b => b.textContent.trim() === '{text}');
  if (button) {{ button.click(); return true; }}
  return false;
}})()"""
SCROLL_TO_ROW = """(() => {{
  const cell = [...document.querySelectorAll('td')]
    .find(td => td.textContent.trim() === '{key}');
  if (!cell) {{ return false; }}
  cell.scrollIntoView({{block: 'start'}});
  window.scrollBy(0, -60);
  return true;
}})()"""
SHOW_PLOT = """(() => {{
  // Table mode has the key filter; switch to plots first, then scroll to the plot.
  if (document.querySelector('input[placeholder="Filter metadata keys"]')) {{
    const toggle = [...document.querySelectorAll('button')]
      .find(b => b.textContent.trim() === 'Plots');
    if (toggle) {{ toggle.click(); }}
    return false;
  }}
  const title = [...document.querySelectorAll('div, span')]
    .find(e => e.children.length === 0 && e.textContent.trim() === '{key}');
  if (!title) {{ return false; }}
  title.scrollIntoView({{block: 'start'}});
  return true;
}})()"""
REVIEW = "/assets/review_queue"
INTERACTIVE = [
    ("api_health_sources_table", ASSET, SCROLL_TO_ROW.format(key="sources")),
    ("api_health_plots", ASSET, CLICK_TEXT.format(text="Plots")),
    (
        "api_health_plot_attempt_error_rate",
        ASSET,
        SHOW_PLOT.format(key="tmdb_attempt_error_rate_24h"),
    ),
    ("api_health_plots_success_rate", ASSET, SHOW_PLOT.format(key="tmdb_success_rate_24h")),
    ("review_queue", REVIEW, SCROLL_TO_ROW.format(key="queue")),
]
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=2200,1200",
]
FINISHED = {DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}


def chromium() -> str:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise SystemExit("screenshots: Chromium not found (Debian: apt-get install -y chromium)")


def seed_metrics(url: str, end_hours_ago: float, hours: float, outage: float, seed: int) -> None:
    """Synthetic traffic over `hours` hours, ending `end_hours_ago` hours ago."""
    engine = create_database_engine(url)
    upgrade(engine)
    end = datetime.now(UTC) - timedelta(hours=end_hours_ago)
    metrics, movies = synthetic_traffic(
        int(hours * 400),
        now=end,
        days=hours / 24,
        seed=seed,
        mix=Mix(tmdb_outage=outage),
        first_film=seed * 1_000_000,  # each batch about its own films
    )
    store_traffic(engine, metrics, movies)
    _nominate(engine, [m["imdb_id"] for m in movies])
    engine.dispose()


def _nominate(engine: Any, imdb_ids: list[str]) -> None:
    """One nomination per synthetic film, over the festivals and a few recent years, so the
    per-festival import health has editions to show."""
    with engine.begin() as connection:
        ids = movie_ids(connection, imdb_ids)
        rows = [
            {
                "festival": FESTIVALS[index % len(FESTIVALS)].slug,
                "year": 2022 + index % 4,
                "award": "Official Selection",
                "category": "Competition",
                "film_imdb_id": imdb_id,
                "film_title": f"Film {imdb_id}",
                "person_imdb_id": "",
                "person_name": "",
                "winner": False,
                "notes": None,
                "movie_id": ids[imdb_id],
            }
            for index, imdb_id in enumerate(imdb_ids)
        ]
        upsert_nominations(connection, rows)


def seed_review(url: str) -> None:
    """A few films a person has to settle: ambiguous ones with their candidates, stubs after
    the last retry."""
    engine = create_database_engine(url)
    upgrade(engine)
    rows = []
    for index, (title, year) in enumerate(
        (("Les Olympiades", 2021), ("Drive My Car", 2021), ("The Worst Person", 2021))
    ):
        rows.append(
            _flagged(
                f"tt99000{index:02d}",
                title,
                year,
                "minimal",
                [
                    {
                        "source": "tmdb",
                        "id": str(800_000 + index),
                        "title": title,
                        "year": year,
                        "score": 0.71,
                    },
                    {
                        "source": "tmdb",
                        "id": str(900_000 + index),
                        "title": f"{title} (short)",
                        "year": year - 1,
                        "score": 0.69,
                    },
                ],
            )
        )
    rows += [_flagged(f"tt99100{i:02d}", f"Unknown short {i}", 2021, "stub", []) for i in range(2)]
    with engine.begin() as connection:
        upsert_movies(connection, rows)
    engine.dispose()


def _flagged(
    imdb_id: str, title: str, year: int, kind: str, candidates: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "imdb_id": imdb_id,
        "title": title,
        "year": year,
        "import_type": kind,
        "data_source": "omdb" if kind == "minimal" else "festival",
        "needs_enrichment": True,
        "needs_review": True,
        "review_candidates": candidates,
        "genres": [],
        "directors": [],
        "countries": [],
        "languages": [],
    }


def run_job(client: DagsterGraphQLClient, job: str) -> None:
    run_id = client.submit_job_execution(job)
    deadline = time.monotonic() + 120
    while (status := client.get_run_status(run_id)) not in FINISHED:
        if time.monotonic() > deadline:
            raise SystemExit(f"screenshots: run {run_id} still {status} after 120 s")
        time.sleep(0.5)
    print(f"{job} run {run_id[:8]}: {status.value}")


def run_api_health(client: DagsterGraphQLClient) -> None:
    run_job(client, "api_health_job")


def photograph(browser: str, url: str, target: Path, profile: Path) -> None:
    command = [
        browser,
        *FLAGS,
        f"--user-data-dir={profile}",
        f"--screenshot={target}",
        "--virtual-time-budget=15000",
        url,
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    print(f"saved {shown(target)}")


def shown(path: Path) -> str:
    """The path as printed: inside the repository relative to it, elsewhere as it is."""
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


class DevTools:
    """The least of the DevTools protocol: navigate, evaluate, capture, over one websocket."""

    def __init__(self, socket: Any) -> None:
        self.socket = socket
        self.ids = itertools.count(1)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        call_id = next(self.ids)
        self.socket.send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=60))
            if message.get("id") == call_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def open_and_capture(self, url: str, action: str, target: Path) -> None:
        self.call("Page.navigate", url=url)
        deadline = time.monotonic() + 30
        while not self.evaluate(action):
            if time.monotonic() > deadline:
                print(f"screenshots: could not open the view for {target.name}; page as is")
                break
            time.sleep(0.5)
        time.sleep(3)  # dialogs animate in, charts decode, plots draw
        shot = self.call("Page.captureScreenshot", format="png")
        target.write_bytes(base64.b64decode(shot["data"]))
        print(f"saved {shown(target)}")


def _page_target(port: int) -> str:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            targets = requests.get(f"http://127.0.0.1:{port}/json/list", timeout=2).json()
            pages = [t for t in targets if t.get("type") == "page"]
            if pages:
                return str(pages[0]["webSocketDebuggerUrl"])
        except (requests.RequestException, ValueError):
            pass
        time.sleep(0.2)
    raise SystemExit("screenshots: Chromium's DevTools endpoint did not come up")


@contextmanager
def devtools(browser: str, profile: Path) -> Iterator[DevTools]:
    """Chromium with the same flags, driven over DevTools on a local port."""
    from websockets.sync.client import connect  # comes with dagster-webserver (uvicorn)

    port = free_port()
    process = subprocess.Popen(
        [
            browser,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--remote-debugging-port={port}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with connect(_page_target(port), max_size=64 * 1024 * 1024, open_timeout=20) as socket:
            yield DevTools(socket)
    finally:
        process.terminate()
        process.wait(timeout=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", action="store_true", help="use a throwaway seeded setup")
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "screenshots")
    args = parser.parse_args(argv)
    browser = chromium()
    # scripts/screenshots runs from the repository: a relative DIR is the caller's.
    caller = Path(os.environ.get("CINEGRAPH_CALLER_PWD") or Path.cwd())
    args.output = (caller / args.output).resolve()
    args.output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cinegraph-screens-") as tmp_dir:
        tmp = Path(tmp_dir)
        if args.seed:
            home = dagster_home(tmp / "dagster_home")
            film_db = f"sqlite:///{tmp / 'films.db'}"
            seed_metrics(film_db, end_hours_ago=24, hours=24 * 7, outage=0.0, seed=1)
            seed_review(film_db)
        else:
            home = config.dagster_home()
            film_db = config.database_url()
        env = {config.DATABASE_URL_VAR: film_db}
        if args.seed:  # demo failures must not page anyone
            env[config.ALERT_WEBHOOK_VAR] = ""
        with dagster_ui(home, env, tmp / "logs") as ui:
            client = DagsterGraphQLClient("127.0.0.1", port_number=ui.port, timeout=60)
            client._execute("mutation SeenWelcome { setNuxSeen }")
            if args.seed:
                for step, outage in enumerate((0.05, 0.2, 0.35)):
                    seed_metrics(film_db, 16 - 8 * step, hours=8, outage=outage, seed=10 + step)
                    run_api_health(client)
            else:
                run_api_health(client)
            run_job(client, "review_queue_job")
            for name, path in PAGES.items():
                photograph(browser, ui.url + path, args.output / f"{name}.png", tmp / "chrome")
            with devtools(browser, tmp / "chrome-devtools") as browser_tab:
                for name, path, action in INTERACTIVE:
                    target = args.output / f"{name}.png"
                    browser_tab.open_and_capture(ui.url + path, action, target)
    return 0


if __name__ == "__main__":
    os.chdir(REPO_ROOT)
    sys.exit(main())

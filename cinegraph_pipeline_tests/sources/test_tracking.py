"""MetricsRecorder: the row shape, buffering, batching, thread safety, failing sinks."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cinegraph_pipeline.sources.tracking import METRIC_COLUMNS, MetricsRecorder, NullRecorder

from .conftest import TMDB_KEY, assert_no_secret


def call(recorder: Any, n: int = 0, **extra: Any) -> None:
    fields: dict[str, Any] = {
        "source": "tmdb",
        "operation": "find",
        "target_identifier": f"tt{n:07d}",
        "success": True,
        "response_time_ms": 12.6,
    }
    fields.update(extra)
    recorder.record(**fields)


def test_row_has_exactly_the_table_columns() -> None:
    written: list[dict[str, Any]] = []
    with MetricsRecorder(written.extend, context={"run_id": "r1"}, flush_interval=0) as rec:
        call(rec, 1, fallback_level=1, confidence_score=1.0, cost_usd=0.002,
             metadata={"retries": 2})  # fmt: skip
    (row,) = written
    assert tuple(row) == METRIC_COLUMNS
    assert row["response_time_ms"] == 13
    assert row["metadata"] == {"run_id": "r1", "retries": 2}
    assert row["inserted_at"].tzinfo is UTC
    assert abs((datetime.now(UTC) - row["inserted_at"]).total_seconds()) < 5
    assert (row["cost_usd"], row["cached"], row["error_type"]) == (0.002, False, None)


def test_cached_rows_cost_nothing() -> None:
    written: list[dict[str, Any]] = []
    with MetricsRecorder(written.extend, flush_interval=0) as rec:
        call(rec, cached=True, cost_usd=0.5)
    assert written[0]["cost_usd"] == 0.0 and written[0]["cached"] is True


def test_bind_adds_context_and_shares_the_buffer() -> None:
    written: list[dict[str, Any]] = []
    with MetricsRecorder(written.extend, context={"run_id": "r1"}, flush_interval=0) as rec:
        call(rec.bind(festival="cannes", partition="cannes|2016"), 1)
        call(rec, 2)
    assert written[0]["metadata"] == {
        "run_id": "r1",
        "festival": "cannes",
        "partition": "cannes|2016",
    }
    assert written[1]["metadata"] == {"run_id": "r1"}


def test_rows_wait_for_a_full_batch_then_flush_on_close() -> None:
    batches: list[list[dict[str, Any]]] = []
    rec = MetricsRecorder(batches.append, batch_size=3, flush_interval=0)
    for i in range(7):
        call(rec, i)
    assert [len(b) for b in batches] == [3, 3]
    assert rec.pending() == 1
    rec.close()
    assert [len(b) for b in batches] == [3, 3, 1]
    assert rec.rows_written == 7


def test_background_thread_flushes_on_interval() -> None:
    batches: list[list[dict[str, Any]]] = []
    with MetricsRecorder(batches.append, batch_size=1000, flush_interval=0.05) as rec:
        call(rec)
        deadline = time.monotonic() + 2
        while not batches and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(batches) == 1, "the interval flush did not happen"


def test_many_threads_every_row_written_once() -> None:
    written: list[dict[str, Any]] = []
    lock = threading.Lock()

    def sink(batch: list[dict[str, Any]]) -> None:
        with lock:
            written.extend(batch)

    rec = MetricsRecorder(sink, batch_size=50, flush_interval=0.01)

    def worker(offset: int) -> None:
        for i in range(500):
            call(rec, offset + i)

    threads = [threading.Thread(target=worker, args=(t * 1000,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rec.close()
    targets = [row["target_identifier"] for row in written]
    assert len(targets) == 4000
    assert len(set(targets)) == 4000


def test_failing_sink_is_logged_and_never_raises(caplog: pytest.LogCaptureFixture) -> None:
    def broken(batch: list[dict[str, Any]]) -> None:
        raise RuntimeError(f"database is locked (postgresql://user:{TMDB_KEY}@db/films)")

    caplog.set_level(logging.ERROR, logger="cinegraph_pipeline.sources.tracking")
    rec = MetricsRecorder(broken, batch_size=2, flush_interval=0)
    for i in range(5):
        call(rec, i)  # must not raise although every write fails
    rec.close()
    assert rec.rows_lost == 5 and rec.rows_written == 0
    messages = [r.getMessage() for r in caplog.records]
    assert any("could not write 2 rows" in m for m in messages)
    assert any("could not write 1 rows" in m for m in messages)
    assert_no_secret(caplog.text)


def test_failing_sink_does_not_slow_lookups() -> None:
    """record() never waits on the sink: twenty calls return while the sink is still held."""
    release = threading.Event()
    entered = threading.Event()

    def stuck_broken(batch: list[dict[str, Any]]) -> None:
        entered.set()
        release.wait(10)
        raise RuntimeError("down")

    rec = MetricsRecorder(stuck_broken, batch_size=10, flush_interval=0.01)
    call(rec, 0)
    assert entered.wait(10), "the flusher never handed a batch to the sink"
    for i in range(1, 20):
        call(rec, i)  # returns although the sink is blocked
    assert not release.is_set()
    release.set()
    rec.close()
    assert rec.rows_written == 0 and rec.rows_lost == 20


def test_error_messages_are_redacted() -> None:
    written: list[dict[str, Any]] = []
    with MetricsRecorder(written.extend, flush_interval=0) as rec:
        call(rec, success=False, error_type="network",
             error_message=f"GET http://x/find?api_key={TMDB_KEY}&language=en failed")  # fmt: skip
    assert "api_key=REDACTED" in written[0]["error_message"]
    assert_no_secret(written)


def test_buffer_is_bounded_when_the_sink_cannot_keep_up() -> None:
    gate = threading.Event()
    written: list[dict[str, Any]] = []

    def blocked(batch: list[dict[str, Any]]) -> None:
        gate.wait(5)
        written.extend(batch)

    rec = MetricsRecorder(blocked, batch_size=10, flush_interval=0.01, max_buffer=100)
    for i in range(1000):
        call(rec, i)
    assert rec.pending() <= 100
    gate.set()
    rec.close()
    assert rec.rows_lost > 0
    assert rec.rows_lost + rec.rows_written == 1000


def test_null_recorder_records_nothing() -> None:
    null = NullRecorder()
    call(null.bind(run_id="x"))
    assert null.context == {}


def test_unclosed_recorder_is_flushed_at_exit(tmp_path: Path) -> None:
    out = tmp_path / "rows.txt"
    script = f"""
from cinegraph_pipeline.sources.tracking import MetricsRecorder
def sink(batch):
    with open({str(out)!r}, "a") as f:
        f.write(f"{{len(batch)}}\\n")
rec = MetricsRecorder(sink, batch_size=100, flush_interval=60)
for i in range(7):
    rec.record(source="omdb", operation="omdb_by_id", target_identifier=str(i),
               success=True, response_time_ms=1)
# no close(): the exit hook must write the 7 pending rows
"""
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    assert out.read_text().split() == ["7"]


def test_calls_inside_a_film_scope_are_attributed_to_the_film() -> None:
    from cinegraph_pipeline.sources.tracking import build_row, film_scope

    with film_scope("tt5168192"):
        row = build_row(
            {"run_id": "r1"},
            source="tmdb",
            operation="search",
            target_identifier="I, Daniel Blake (2016)",
            success=True,
            response_time_ms=3,
        )
    assert row["target_identifier"] == "tt5168192"
    assert row["metadata"] == {"run_id": "r1", "requested": "I, Daniel Blake (2016)"}
    outside = build_row(
        {},
        source="tmdb",
        operation="details",
        target_identifier="42",
        success=True,
        response_time_ms=1,
    )
    assert outside["target_identifier"] == "42" and "requested" not in outside["metadata"]

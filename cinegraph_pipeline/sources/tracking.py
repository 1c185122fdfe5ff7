"""One `api_lookup_metrics` row per external call, buffered and written in batches.

A row says what happened on the wire: `origin` (the service was asked, or the answer came
from the HTTP cache or this run's memo, or the call was refused locally: quota spent, circuit
open), `attempts` (network requests, retries included) and `attempt_errors` (how the failed
attempts failed, `{error_type: count}`). `response_time_ms` is the service's time and is NULL
when the service was not asked, so latency figures never average cache hits in.

Lookups must never wait on, or fail because of, the metrics store: `record()` only appends to
an in-memory buffer under a lock; a background thread hands full batches (or whatever is
pending every `flush_interval` seconds) to the sink. A sink failure is logged with the number
of rows lost and the lookup goes on.
"""

from __future__ import annotations

import atexit
import contextvars
import logging
import threading
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

from .closing import ClosedOnExit
from .errors import redact

logger = logging.getLogger(__name__)

METRIC_COLUMNS: tuple[str, ...] = (
    "source",
    "operation",
    "target_identifier",
    "success",
    "confidence_score",
    "fallback_level",
    "response_time_ms",
    "error_type",
    "error_message",
    "cost_usd",
    "cached",
    "metadata",
    "inserted_at",
    "origin",
    "attempts",
    "attempt_errors",
)


class Origin(StrEnum):
    """Where a call's answer came from."""

    SERVICE = "service"  # at least one request went over the network
    HTTP_CACHE = "http_cache"  # answered by the HTTP cache
    REPLAY = "replay"  # answered by this run's memo
    REFUSED = "refused"  # refused locally: daily quota spent, circuit open
    UNSENT = "unsent"  # nothing sent for another reason (our own code failed first)


MetricRow = dict[str, Any]

# Recorders not yet closed: flushed at interpreter exit so a forgotten close() loses nothing.
_open_recorders: weakref.WeakSet[MetricsRecorder] = weakref.WeakSet()


@atexit.register
def _close_open_recorders() -> None:
    for recorder in list(_open_recorders):
        recorder.close()


Sink = Callable[[list[MetricRow]], None]


class Recorder(Protocol):
    """What a client needs from a recorder; `MetricsRecorder` and `NullRecorder` provide it."""

    def record(self, **fields: Any) -> None:
        """Records one row; `fields` are the keyword arguments of `build_row`."""


_current_film: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "cinegraph_current_film", default=None
)


@contextmanager
def film_scope(imdb_id: str) -> Iterator[None]:
    """Attributes every call made inside (in this thread or task) to one film: its rows get
    the film's IMDb id as `target_identifier`, and what was asked (a title query, a TMDb
    id) moves to `metadata.requested`. Health then counts films, not queries."""
    token = _current_film.set(imdb_id)
    try:
        yield
    finally:
        _current_film.reset(token)


def build_row(
    context: Mapping[str, Any],
    *,
    source: str,
    operation: str,
    target_identifier: str | None,
    success: bool,
    response_time_ms: float | None,
    error_type: str | None = None,
    error_message: str | None = None,
    cost_usd: float = 0.0,
    cached: bool = False,
    confidence_score: float | None = None,
    fallback_level: int | None = None,
    metadata: Mapping[str, Any] | None = None,
    origin: str = Origin.SERVICE,
    attempts: int | None = None,
    attempt_errors: Iterable[str] = (),
) -> MetricRow:
    """The row as the `api_lookup_metrics` table stores it (keys = METRIC_COLUMNS).
    `attempts` defaults to 1 for a call that reached the service and 0 otherwise."""
    reached = str(origin) == Origin.SERVICE
    merged = dict(context)
    if metadata:
        merged.update(metadata)
    film = _current_film.get()
    if film is not None and target_identifier != film:
        if target_identifier is not None:
            merged["requested"] = target_identifier
        target_identifier = film
    return {
        "source": str(source),
        "operation": str(operation),
        "target_identifier": target_identifier,
        "success": bool(success),
        "confidence_score": confidence_score,
        "fallback_level": fallback_level,
        "response_time_ms": (
            max(0, round(response_time_ms)) if reached and response_time_ms is not None else None
        ),
        "error_type": str(error_type) if error_type is not None else None,
        "error_message": redact(error_message)[:2000] if error_message else None,
        "cost_usd": 0.0 if cached else round(float(cost_usd), 6),
        "cached": bool(cached),
        "metadata": merged,
        "inserted_at": datetime.now(UTC),
        "origin": str(origin),
        "attempts": int(attempts) if attempts is not None else int(reached),
        "attempt_errors": attempt_error_counts(attempt_errors),
    }


def attempt_error_counts(errors: Iterable[str]) -> dict[str, int] | None:
    """`{error_type: count}` with sorted keys (one spelling per combination, so health can
    group on it), or None when no attempt failed."""
    counts = Counter(str(error) for error in errors)
    return {error: counts[error] for error in sorted(counts)} or None


class MetricsRecorder(ClosedOnExit):
    """Thread-safe buffered recorder.

    `context` (festival, partition, run_id...) is merged into every row's metadata; `bind()`
    gives a view with more context that shares this recorder's buffer and flusher. Use it as a
    context manager, or call `close()`, so the last rows are written.
    """

    def __init__(
        self,
        sink: Sink,
        *,
        context: Mapping[str, Any] | None = None,
        batch_size: int = 200,
        flush_interval: float = 2.0,
        max_buffer: int = 50_000,
    ) -> None:
        self._sink = sink
        self.context: dict[str, Any] = dict(context or {})
        self.batch_size = max(1, batch_size)
        self.flush_interval = flush_interval
        self.max_buffer = max(self.batch_size, max_buffer)
        self._buffer: list[MetricRow] = []
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._sink_lock = threading.Lock()
        self._closed = False
        self.rows_recorded = 0
        self.rows_written = 0
        self.rows_lost = 0
        self._thread: threading.Thread | None = None
        _open_recorders.add(self)
        if flush_interval > 0:
            self._thread = threading.Thread(
                target=self._run, name="metrics-recorder-flush", daemon=True
            )
            self._thread.start()

    def bind(self, **context: Any) -> BoundRecorder:
        return BoundRecorder(self, {**self.context, **context})

    def record(self, **fields: Any) -> None:
        self.add_row(build_row(self.context, **fields))

    def add_row(self, row: MetricRow) -> None:
        overflow = 0
        with self._lock:
            self._buffer.append(row)
            self.rows_recorded += 1
            if len(self._buffer) > self.max_buffer:
                overflow = len(self._buffer) - self.max_buffer
                del self._buffer[:overflow]
                self.rows_lost += overflow
            full = len(self._buffer) >= self.batch_size
            # Without a flusher thread (flush_interval=0, or after close) the caller writes.
            write_now = full and (self._thread is None or self._closed)
            if full and not write_now:
                self._wake.notify()
        if overflow:
            logger.error("api_lookup_metrics: buffer full, dropped %d oldest rows", overflow)
        if write_now:
            self.flush()

    def pending(self) -> int:
        with self._lock:
            return len(self._buffer)

    def flush(self) -> int:
        """Writes everything pending now, in batches; returns the rows written."""
        written = 0
        while True:
            with self._lock:
                batch = self._buffer[: self.batch_size]
                del self._buffer[: len(batch)]
            if not batch:
                return written
            written += self._write(batch)

    def _write(self, batch: list[MetricRow]) -> int:
        with self._sink_lock:
            try:
                self._sink(batch)
            except Exception as exc:
                self.rows_lost += len(batch)
                logger.error(
                    "api_lookup_metrics: could not write %d rows: %s",
                    len(batch),
                    redact(f"{type(exc).__name__}: {exc}")[:500],
                )
                return 0
            self.rows_written += len(batch)
            return len(batch)

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._closed and len(self._buffer) < self.batch_size:
                    self._wake.wait(self.flush_interval)
                closing = self._closed
            self.flush()
            if closing:
                return

    def close(self) -> None:
        _open_recorders.discard(self)
        with self._lock:
            already = self._closed
            self._closed = True
            self._wake.notify_all()
        if self._thread is not None and not already:
            self._thread.join(timeout=30)
        self.flush()


class BoundRecorder:
    """A view of a MetricsRecorder with extra context (e.g. one partition of a run)."""

    def __init__(self, parent: MetricsRecorder, context: Mapping[str, Any]) -> None:
        self._parent = parent
        self.context = dict(context)

    def bind(self, **context: Any) -> BoundRecorder:
        return BoundRecorder(self._parent, {**self.context, **context})

    def record(self, **fields: Any) -> None:
        self._parent.add_row(build_row(self.context, **fields))


class NullRecorder:
    """Records nothing: for callers that do not track, and as the benchmark's baseline."""

    def __init__(self) -> None:
        self.context: dict[str, Any] = {}

    def bind(self, **context: Any) -> NullRecorder:
        return self

    def record(self, **fields: Any) -> None:
        return None

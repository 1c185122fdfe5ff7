"""Failure episodes of asset checks, and the Slack-compatible messages announcing them.

An episode starts when a check (per partition, for partitioned checks) fails after passing
or never having run, and ends when it passes again: one message at each end, however many
times the check fails in between. The episode state is a small JSON document kept in the
sensor cursor, so it survives daemon restarts without a table of its own.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests

from cinegraph_pipeline.sources.errors import redact

MAX_OUTBOX = 50
POST_TIMEOUT_S = 10


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    """One completed check evaluation, as read from the instance's event log."""

    record_id: int
    asset_key: str
    check_name: str
    partition: str | None
    passed: bool
    severity: str
    description: str | None
    metadata: Mapping[str, str]
    run_id: str
    timestamp: float

    @property
    def check_key(self) -> str:
        return f"{self.asset_key}:{self.check_name}"

    @property
    def episode_key(self) -> str:
        return self.check_key if self.partition is None else f"{self.check_key}[{self.partition}]"

    @property
    def label(self) -> str:
        where = f" [{self.partition}]" if self.partition else ""
        return f"{self.asset_key} / {self.check_name}{where}"


@dataclass(slots=True)
class AlertState:
    """What the sensor has read (`seen`: its reading position), per episode key an open
    failure, and the messages still to deliver."""

    seen: dict[str, int] = field(default_factory=dict)
    failing: dict[str, dict[str, Any]] = field(default_factory=dict)
    outbox: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_cursor(cls, cursor: str | None) -> AlertState:
        if not cursor:
            return cls()
        try:
            data = json.loads(cursor)
        except ValueError:
            return cls()
        return cls(
            seen={str(k): int(v) for k, v in data.get("seen", {}).items()},
            failing=dict(data.get("failing", {})),
            outbox=list(data.get("outbox", [])),
        )

    def to_cursor(self) -> str:
        return json.dumps(
            {"seen": self.seen, "failing": self.failing, "outbox": self.outbox[-MAX_OUTBOX:]},
            sort_keys=True,
        )

    def advance(self, outcomes: Iterable[CheckOutcome]) -> list[dict[str, Any]]:
        """Applies outcomes in the order they happened; returns the messages to send."""
        messages: list[dict[str, Any]] = []
        for outcome in sorted(outcomes, key=lambda o: (o.timestamp, o.record_id)):
            key = outcome.episode_key
            episode = self.failing.get(key)
            if not outcome.passed and episode is None:
                self.failing[key] = {
                    "since": outcome.timestamp,
                    "severity": outcome.severity,
                    "run_id": outcome.run_id,
                }
                messages.append(failure_message(outcome))
            elif outcome.passed and episode is not None:
                del self.failing[key]
                messages.append(recovery_message(outcome, float(episode.get("since", 0))))
        return messages


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _facts(outcome: CheckOutcome) -> str:
    shown = [k for k in ("measured", "threshold", "rule") if k in outcome.metadata]
    return "\n".join(f"*{key}*: {outcome.metadata[key]}" for key in shown)


def failure_message(outcome: CheckOutcome) -> dict[str, Any]:
    icon = ":red_circle:" if outcome.severity == "ERROR" else ":large_yellow_circle:"
    title = f"{icon} {outcome.severity}: check {outcome.label} failed"
    body = "\n".join(part for part in (outcome.description or "", _facts(outcome)) if part)
    return _message(title, body, outcome, f"failing since {_when(outcome.timestamp)}")


def recovery_message(outcome: CheckOutcome, since: float) -> dict[str, Any]:
    title = f":large_green_circle: Recovered: check {outcome.label} passes again"
    minutes = max((outcome.timestamp - since) / 60, 0)
    body = "\n".join(part for part in (outcome.description or "", _facts(outcome)) if part)
    return _message(title, body, outcome, f"failed from {_when(since)} for {minutes:.0f} min")


def _message(title: str, body: str, outcome: CheckOutcome, context: str) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
    ]
    if body:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": body[:2900]}})
    blocks.append(
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": f"{context} · run `{outcome.run_id[:8]}`"}],
        }
    )
    text = f"{title}\n{body}".strip()
    return {"text": text, "blocks": blocks}


def post_message(url: str, message: Mapping[str, Any]) -> None:
    """POSTs one message as JSON; raises on a network error or a non-2xx answer."""
    response = requests.post(url, json=dict(message), timeout=POST_TIMEOUT_S)
    if response.status_code >= 300:
        raise RuntimeError(
            f"alert webhook answered HTTP {response.status_code}: {response.text[:200]}"
        )


def deliver(
    url: str | None,
    messages: list[dict[str, Any]],
    log: logging.Logger,
) -> tuple[int, list[dict[str, Any]]]:
    """Sends messages in order; returns how many went out and those to retry next tick.

    Without a webhook URL the messages are logged instead (and count as delivered): a new
    setup still shows its alerts in the sensor's logs.
    """
    sent = 0
    for index, message in enumerate(messages):
        if not url:
            log.warning(f"alert (CINEGRAPH_ALERT_WEBHOOK_URL is not set): {message['text']}")
            sent += 1
            continue
        try:
            post_message(url, message)
        except (requests.RequestException, RuntimeError) as exc:
            log.error(f"alert webhook failed, will retry: {redact(str(exc), url)}")
            return sent, messages[index:]
        sent += 1
    return sent, []

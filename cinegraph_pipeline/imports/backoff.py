"""When placeholders (`minimal` and `stub` films) are tried against TMDb again."""

from __future__ import annotations

from datetime import datetime, timedelta

# Days to wait after the 1st, 2nd, 3rd, 4th attempt; every 60 days after that.
RETRY_DAYS: tuple[int, ...] = (7, 14, 30, 60)


def retry_delay(attempts_made: int) -> timedelta:
    """The wait after `attempts_made` retries; 0 is the wait of a freshly written placeholder
    (the resolver's `retry_after_days` and a pending film turned into a stub)."""
    index = min(max(attempts_made, 0), len(RETRY_DAYS) - 1)
    return timedelta(days=RETRY_DAYS[index])


def next_retry_at(now: datetime, attempts_made: int) -> datetime:
    return now + retry_delay(attempts_made)

"""Keeps API keys out of third-party logs.

urllib3 logs every request line at DEBUG (`"GET /3/find/tt..?api_key=... HTTP/1.1" 200`) and
requests-cache logs URLs too; TMDb and OMDb keys travel in the query string, so turning on
DEBUG logging would print them. A filter on those libraries' loggers rewrites each record
through `errors.redact` before any handler sees it.
"""

from __future__ import annotations

import logging
import threading

from .errors import redact

WATCHED_PREFIXES = ("urllib3", "requests", "requests_cache")
_installed: set[str] = set()
_lock = threading.Lock()


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the logging module's problem, not ours
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = ()
        return True


_FILTER = RedactingFilter()


def install_log_redaction() -> None:
    """Adds the filter to every logger of the watched libraries (they create their loggers at
    import time, and both are imported by the time a client exists). Idempotent."""
    with _lock:
        names = [
            name
            for name in list(logging.Logger.manager.loggerDict)
            if name.split(".")[0] in WATCHED_PREFIXES and name not in _installed
        ]
        for name in [*WATCHED_PREFIXES, *names]:
            if name in _installed:
                continue
            logging.getLogger(name).addFilter(_FILTER)
            _installed.add(name)

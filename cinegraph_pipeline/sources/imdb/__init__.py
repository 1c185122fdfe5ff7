"""IMDb pages: event pages (the nominations) and title pages (the last film source)."""

from .client import ImdbClient, classify_page
from .event_page import parse_event_page
from .resource import ImdbResource
from .title_page import parse_title_page
from .zyte import ZyteOptions

__all__ = [
    "ImdbClient",
    "ImdbResource",
    "ZyteOptions",
    "classify_page",
    "parse_event_page",
    "parse_title_page",
]

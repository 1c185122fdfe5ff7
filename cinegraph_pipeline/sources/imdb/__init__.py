"""IMDb: its GraphQL API first (editions and title batches), the event and title pages as the
fallback (directly or through Zyte)."""

from .client import ImdbClient, classify_page
from .event_page import parse_event_page
from .graphql import ImdbGraphqlClient
from .graphql_resource import ImdbGraphqlResource
from .resource import ImdbResource
from .title_page import parse_title_page
from .zyte import ZyteOptions

__all__ = [
    "ImdbClient",
    "ImdbGraphqlClient",
    "ImdbGraphqlResource",
    "ImdbResource",
    "ZyteOptions",
    "classify_page",
    "parse_event_page",
    "parse_title_page",
]

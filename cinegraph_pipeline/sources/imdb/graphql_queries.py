"""The GraphQL documents sent to IMDb: only fields MISSION.md lists (others may not exist, and
a field IMDb's schema does not know fails the whole query)."""

from __future__ import annotations

# IMDb returns at most this many edges per connection page.
PAGE_SIZE = 500
# `titles(ids:)` takes at most this many ids per request.
TITLES_PER_CALL = 250

_NAME = "name { id nameText { text } }"
# What an edition needs of each awarded title (the same keys as the event page).
_AWARD_TITLE = (
    "title { id titleText { text } originalTitleText { text } titleType { id } "
    "releaseYear { year } releaseDate { year } }"
)

TITLE_FIELDS = (
    "id titleText { text } originalTitleText { text } "
    "titleType { id text isSeries isEpisode } releaseYear { year endYear } "
    "releaseDate { day month year } runtime { seconds } genres { genres { id text } } "
    "countriesOfOrigin { countries { id text } } "
    "spokenLanguages { spokenLanguages { id text } } plot { plotText { plainText } } "
    "ratingsSummary { aggregateRating voteCount } primaryImage { url } "
    'principalCredits(filter: { categories: ["director"] }) { category { id text } '
    f"credits {{ {_NAME} }} }}"
)

EVENT_QUERY = (
    "query CinegraphEvent($id: ID!) { nominationEvent(id: $id) { "
    "name { text } editions { id year instanceWithinYear } } }"
)

_NOMINATION = (
    "isWinner notes { plainText } awardedEntities { "
    f"... on AwardedTitles {{ awardTitles {{ {_AWARD_TITLE} }} "
    f"secondaryAwardNames {{ {_NAME} }} }} "
    f"... on AwardedNames {{ awardNames {{ {_NAME} }} "
    f"secondaryAwardTitles {{ {_AWARD_TITLE} }} }} }}"
)
_PAGE_INFO = "total pageInfo { hasNextPage endCursor }"

# One document serves every page of an edition: the first page (no cursors), the next page of
# an award's categories (`categoriesAfter`), and the next page of one category's nominations
# (`categoriesAfter` + `categoriesFirst` reach the category, `nominationsAfter` its page).
# `awards` is a plain list, so each page answers every award; the client keeps what it asked.
EDITION_QUERY = (
    "query CinegraphEdition($id: ID!, $n: Int!, $categoriesFirst: Int!, "
    "$categoriesAfter: String, $nominationsAfter: String) { "
    "nominationEventEdition(id: $id) { year awards { id text "
    "nominationCategories(first: $categoriesFirst, after: $categoriesAfter) { "
    f"{_PAGE_INFO} edges {{ node {{ category {{ text }} "
    f"nominations(first: $n, after: $nominationsAfter) {{ {_PAGE_INFO} "
    f"edges {{ node {{ {_NOMINATION} }} }} }} }} }} }} }} }} }}"
)

TITLES_QUERY = f"query CinegraphTitles($ids: [ID!]!) {{ titles(ids: $ids) {{ {TITLE_FIELDS} }} }}"

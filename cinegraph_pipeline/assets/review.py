"""`review_queue`: the films a person has to settle, in one place in the UI."""

import dagster as dg

from cinegraph_pipeline.health.summary import table
from cinegraph_pipeline.review.queue import review_count, review_items
from cinegraph_pipeline.storage.resource import DatabaseResource

REVIEW_GROUP = "review"
SHOWN = 100


@dg.asset(group_name=REVIEW_GROUP, kinds={"sql"})
def review_queue(database: DatabaseResource) -> dg.MaterializeResult:
    """Films flagged `needs_review`: TMDb candidates too close to call (one row per
    candidate, with its score and the command that accepts it), films still unknown after
    the retry sensor's last attempt (stubs), placeholders the enrichment gave up on, and
    lookups that failed in our own code.

    Open the `queue` table in the latest materialization; settle a film from a shell with
    `cinegraph-review accept IMDB_ID TMDB_ID` (fetches that TMDb record and upgrades the
    film to `full`) or `cinegraph-review dismiss IMDB_ID`, then materialize this asset again.
    """
    with database.engine().connect() as conn:
        waiting = review_count(conn)
        items = review_items(conn, SHOWN)
    rows = []
    for item in items:
        film = {
            "imdb id": item.imdb_id,
            "title": item.title,
            "year": item.year,
            "import type": item.import_type,
            "why": item.reason,
            "editions": ", ".join(item.editions) or None,
        }
        # One row per candidate, each with the command that accepts it.
        for candidate in item.candidates:
            tmdb_id = candidate.get("id")
            rows.append(
                {
                    **film,
                    "candidate": f"{tmdb_id} {candidate.get('title', '')} "
                    f"({candidate.get('year') or '?'})",
                    "score": candidate.get("score"),
                    "settle with": f"cinegraph-review accept {item.imdb_id} {tmdb_id}",
                }
            )
        if not item.candidates:
            rows.append(
                {
                    **film,
                    "candidate": None,
                    "score": None,
                    "settle with": f"cinegraph-review dismiss {item.imdb_id}",
                }
            )
    columns = [
        ("imdb id", "string"),
        ("title", "string"),
        ("year", "int"),
        ("candidate", "string"),
        ("score", "float"),
        ("settle with", "string"),
        ("why", "string"),
        ("import type", "string"),
        ("editions", "string"),
    ]
    return dg.MaterializeResult(
        metadata={
            "queue": table(columns, rows),
            "waiting": dg.MetadataValue.int(waiting),
            "with_candidates": dg.MetadataValue.int(sum(bool(i.candidates) for i in items)),
            "shown": dg.MetadataValue.int(len(items)),
        }
    )


review_queue_job = dg.define_asset_job(
    "review_queue_job",
    selection=dg.AssetSelection.assets(review_queue),
    description="Refreshes the review queue (films flagged needs_review).",
)

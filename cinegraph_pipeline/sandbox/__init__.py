"""A local sandbox that speaks TMDb v3, OMDb, IMDb (event and title pages) and the Zyte API
over real festival data (Cannes 2010-2019 and editions of Venice, Berlin, Sundance, TIFF, the
Oscars, the Golden Globes and BAFTA: `Catalog.describe_editions()`), with configurable
difficulty and faults.

In-process (tests, benchmarks)::

    from cinegraph_pipeline.sandbox import Faults, SandboxConfig, SandboxServer

    with SandboxServer(SandboxConfig(faults=Faults(latency_median_ms=30))) as sandbox:
        os.environ.update(sandbox.env())        # TMDB_BASE_URL, OMDB_BASE_URL, ...
        sandbox.set_faults(tmdb_rate_limit_rps=40)
        sandbox.truth("tt4048272").expected_source   # "tmdb" | "omdb" | "imdb" | "stub"
        sandbox.release("tt...")                 # the film becomes known to TMDb
        sandbox.stats()["routes"]["tmdb.search"]

From the shell: ``python -m cinegraph_pipeline.sandbox --port 8765`` (``--help`` lists a
flag per difficulty share and fault). Admin routes, no key: ``GET /_sandbox/stats``,
``GET|POST /_sandbox/faults``, ``POST /_sandbox/release`` ``{"imdb_id": "tt..."}``,
``POST /_sandbox/reset``, ``GET /_sandbox/truth[/tt...]``, ``GET /_sandbox/health``.
"""

from .catalog import Catalog, FilmTruth
from .server import SandboxServer
from .settings import SANDBOX_KEY, Difficulty, Faults, SandboxConfig

__all__ = [
    "SANDBOX_KEY",
    "Catalog",
    "Difficulty",
    "Faults",
    "FilmTruth",
    "SandboxConfig",
    "SandboxServer",
]

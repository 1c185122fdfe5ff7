"""A local sandbox that speaks TMDb v3, OMDb, IMDb (event and title pages) and the Zyte API
over real Cannes data, with configurable difficulty and faults.

    from cinegraph_pipeline.sandbox import SandboxConfig, SandboxServer

    with SandboxServer(SandboxConfig()) as sandbox:
        os.environ.update(sandbox.env())
        ...
        sandbox.truth("tt5278928").expected_source
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

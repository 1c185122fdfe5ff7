"""`python -m cinegraph_pipeline.sandbox --port N` (console script `cinegraph-sandbox`):
serves the sandbox on 127.0.0.1, prints the environment lines that point the pipeline at it,
and runs until SIGINT or SIGTERM. Every difficulty share and fault has a flag."""

from __future__ import annotations

import argparse
import dataclasses
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

from .server import SandboxServer
from .settings import Difficulty, Faults, SandboxConfig


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cinegraph-sandbox",
        description=(
            "Local TMDb, OMDb, IMDb and Zyte look-alikes over real festival and award data."
        ),
    )
    parser.add_argument("--port", type=int, default=0, help="port (0: pick a free one)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--seed", type=int, default=SandboxConfig.seed, help="difficulty seed")
    for title, settings in (("difficulty shares", Difficulty()), ("faults", Faults())):
        group = parser.add_argument_group(title)
        for item in dataclasses.fields(settings):
            default = getattr(settings, item.name)
            flag = "--" + item.name.replace("_", "-")
            if isinstance(default, bool):
                group.add_argument(flag, action=argparse.BooleanOptionalAction, default=default)
            else:
                group.add_argument(flag, type=type(default), default=default, metavar="N")
    return parser


def config_from_args(args: argparse.Namespace) -> SandboxConfig:
    """The config the parsed flags describe; ValueError for an out-of-range share."""

    def settings_of(kind: type[Any]) -> Any:
        instance = kind(**{f.name: getattr(args, f.name) for f in dataclasses.fields(kind)})
        instance.validate()
        return instance

    return SandboxConfig(
        host=args.host,
        port=args.port,
        seed=args.seed,
        difficulty=settings_of(Difficulty),
        faults=settings_of(Faults),
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        config = config_from_args(args)
    except ValueError as exc:
        parser.error(str(exc))
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    server = SandboxServer(config).start()
    try:
        editions = server.catalog.describe_editions()
        for name, value in server.env().items():
            print(f"export {name}={value}")
        print(f"# editions: {editions}")  # a comment for shells that source these lines
        sys.stdout.flush()
        print(
            f"cinegraph sandbox on {server.base_url}: editions {editions}; Ctrl-C to stop",
            file=sys.stderr,
            flush=True,
        )
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

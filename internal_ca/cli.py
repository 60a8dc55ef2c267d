"""The `internal-ca` command: one subcommand per operations task."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence

from internal_ca.commands import (
    crl,
    demo,
    deploy,
    export,
    inventory,
    migrate_state,
    plan,
    recover,
    revoke,
    unlock,
    verify,
)
from internal_ca.errors import Interrupted, OperationError

_COMMANDS = (
    deploy,
    plan,
    migrate_state,
    unlock,
    recover,
    inventory,
    export,
    verify,
    revoke,
    crl,
    demo,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="internal-ca",
        description=(
            "Run a private certificate authority as code. Every command works on the project "
            "in the current folder (the nearest cdktf.json)."
        ),
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in _COMMANDS:
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status so tests can call it directly."""
    args = build_parser().parse_args(argv)
    # Every command may write state copies, plans or keys: private from the first byte.
    os.umask(0o077)
    previous = {signum: signal.signal(signum, _interrupt) for signum in _STOP_SIGNALS}
    try:
        status: int = args.handler(args)
    except OperationError as error:
        if error.detail:
            print(error.detail, file=sys.stderr)
        print(f"internal-ca: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as error:
        signum = error.signum if isinstance(error, Interrupted) else signal.SIGINT
        print(f"internal-ca: interrupted ({signal.Signals(signum).name})", file=sys.stderr)
        return 128 + signum
    except BrokenPipeError:
        # `internal-ca inventory --json | head` closes the pipe early; that is not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return status


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _interrupt(signum: int, frame: object) -> None:
    """Unwind like Ctrl-C: context managers delete temp folders and stop child processes."""
    raise Interrupted(signum)


if __name__ == "__main__":
    sys.exit(main())

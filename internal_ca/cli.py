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
from internal_ca.terraform.environment import ALLOW_DEBUG_LOG_VAR, check_inherited

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
    parser.add_argument(
        "--allow-debug-log",
        action="store_true",
        help=(
            "run even when TF_LOG or TF_LOG_* asks for DEBUG, TRACE or JSON logs, in which "
            "Terraform and the provider write private keys (default: refused)"
        ),
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in _COMMANDS:
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status so tests can call it directly."""
    if "stdout" in _reopen_closed_streams():
        print(
            "internal-ca: standard output is closed; expected it open (redirect it to "
            "/dev/null to discard the report)",
            file=sys.stderr,
        )
        return 1
    args = build_parser().parse_args(argv)
    # Every command may write state copies, plans or keys: private from the first byte.
    os.umask(0o077)
    previous = {signum: signal.signal(signum, _interrupt) for signum in _STOP_SIGNALS}
    # Only the flag allows debug logs: a value inherited from a shell profile is not explicit.
    allowed_before = os.environ.pop(ALLOW_DEBUG_LOG_VAR, None)
    if args.allow_debug_log:
        # The environment check reads it, wherever a command builds Terraform's environment.
        os.environ[ALLOW_DEBUG_LOG_VAR] = "1"
    status: int | None = None
    try:
        # Every command, before it reads or writes anything; the CLI-config rule, which
        # depends on the provider source, is checked again where Terraform's env is built.
        check_inherited(os.environ, real_provider=False)
        status = args.handler(args)
        _flush_report()
    except OperationError as error:
        if error.detail:
            _say(error.detail)
        _say(f"internal-ca: {error}")
        return 1
    except KeyboardInterrupt as error:
        signum = error.signum if isinstance(error, Interrupted) else signal.SIGINT
        _say(f"internal-ca: interrupted ({signal.Signals(signum).name})")
        return 128 + signum
    except BrokenPipeError:
        # The reader left (`internal-ca inventory --json | head`). Only when the command had
        # finished is its status kept; otherwise its work stopped where it was, and a deploy
        # cut short there must not look like a success: the shell's status for SIGPIPE.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        if status is not None:
            return status
        _say(
            "internal-ca: standard output was closed, so the command stopped before it "
            "finished; check what it did before running it again"
        )
        return 128 + signal.SIGPIPE
    except OSError as error:
        print(f"internal-ca: {_os_reason(error)}", file=sys.stderr)
        return 1
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if allowed_before is None:
            os.environ.pop(ALLOW_DEBUG_LOG_VAR, None)
        else:
            os.environ[ALLOW_DEBUG_LOG_VAR] = allowed_before
    assert status is not None  # every other way out of the try returned
    return status


def _say(line: str) -> None:
    """The one error line; stderr may be a closed pipe too (`2>&1 | head`), and then the
    line is dropped rather than the exit status turned into a traceback (or Python's 120)."""
    try:
        print(line, file=sys.stderr, flush=True)
    except OSError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stderr.fileno())


def _reopen_closed_streams() -> list[str]:
    """Put /dev/null on a closed standard descriptor, and say which were closed.

    A closed 0, 1 or 2 is reused by the next file opened (a state copy, a key), and a tool
    started with it would read from or write into that file.
    """
    closed = []
    for fd, name in ((0, "stdin"), (1, "stdout"), (2, "stderr")):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
            setattr(sys, name, open(fd, "r" if fd == 0 else "w", closefd=False))  # noqa: SIM115
            closed.append(name)
    return closed


def _os_reason(error: OSError) -> str:
    """One line for a file or tool the system refused: what, and the system's reason."""
    reason = error.strerror or type(error).__name__
    if error.filename is not None:
        return f"cannot use {error.filename}: {reason}"
    return reason


def _flush_report() -> None:
    """A report that cannot be written is not a success (a full disk, /dev/full)."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as error:
        # What is still buffered is lost; the interpreter's own flush at exit must not fail.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise OperationError(
            f"cannot write to standard output: {error.strerror or error}"
        ) from None


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _interrupt(signum: int, frame: object) -> None:
    """Unwind like Ctrl-C: context managers delete temp folders and stop child processes."""
    raise Interrupted(signum)


if __name__ == "__main__":
    sys.exit(main())

"""The ``locosuppress`` command as a whole: its parser and the loop that runs a handler.

:func:`build_parser` puts the command groups' parsers together (each group's
module registers its own); :func:`parse` reads the arguments; :func:`main`
runs the handler and turns every failure into an exit status and one line on
standard error with secrets hidden (see :mod:`locosuppress.cli`).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import TextIO

from locosuppress._version import __version__
from locosuppress.cli import (
    anonymise,
    demo,
    entries,
    hashes,
    imports,
    key,
    maintenance,
    retention,
)
from locosuppress.cli import filter as filter_
from locosuppress.cli._console import Console, hide_secrets
from locosuppress.cli._files import CommandError, command_line_words
from locosuppress.cli._options import Formatter, Parser, shared_options
from locosuppress.errors import LocosuppressError

__all__ = ["Handler", "build_parser", "main", "parse"]

#: A command's handler: the parsed arguments and the console in, the exit status out.
Handler = Callable[[argparse.Namespace, Console], int]

_MAIN_DESCRIPTION = """\
Keep a mailing company's privacy promises: a suppression list of keyed hashes
(never addresses), filtering of mailing files against it, and anonymisation
of open and click events after 12 months.
"""

_MAIN_EPILOG = """\
the usual flow:
  locosuppress key new secret/list.key             # once: the secret key (mode 0600)
  export LOCOSUPPRESS_KEY="$(cat secret/list.key)"  # or pass --key-file to each command
  locosuppress init suppression.db                  # once: an empty list for the key
  locosuppress add suppression.db --from afmeldingen.csv --reason unsubscribed
  locosuppress filter suppression.db import.csv -o schoon.csv --channel newsletter
  locosuppress anonymise events.csv -o events-anoniem.csv --tz Europe/Amsterdam

  locosuppress demo                                 # all of it, on generated sample data

The key comes from --key-file PATH or the LOCOSUPPRESS_KEY environment variable,
never from an argument. Options may stand before or after positional arguments.
Exit status: 0 success, 1 the data or the list failed, 2 wrong usage, 130 interrupted.
Run `locosuppress COMMAND --help` for a command's options and examples.
"""


def build_parser() -> tuple[
    argparse.ArgumentParser, dict[tuple[str, ...], argparse.ArgumentParser]
]:
    """Build the command's parser.

    Returns:
        The top-level parser (for ``--help`` and errors) and the parser of
        every command by its words (``("add",)``, ``("key", "new")``, ...).
    """
    shared = shared_options()
    top = Parser(
        prog="locosuppress",
        description=_MAIN_DESCRIPTION,
        epilog=_MAIN_EPILOG,
        formatter_class=Formatter,
        parents=[shared.common],
    )
    top.add_argument("--version", action="version", version=f"locosuppress {__version__}")
    sub = top.add_subparsers(
        title="commands", metavar="COMMAND", dest="command", required=True, parser_class=Parser
    )
    parsers: dict[tuple[str, ...], argparse.ArgumentParser] = {}
    for register in (
        key.register,
        entries.register,
        imports.register,
        hashes.register,
        filter_.register,
        anonymise.register,
        maintenance.register,
        demo.register,
        retention.register,
    ):
        parsers |= register(sub, shared)
    return top, parsers


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """Parse ``argv``, letting options and positional arguments mix within a command.

    argparse cannot mix them through subparsers, so the command words are
    found first and the command's own parser then reads the rest with
    ``parse_intermixed_args``.
    """
    top, parsers = build_parser()
    rest = list(argv)
    debug = False
    while rest and rest[0] == "--debug":
        debug = True
        rest.pop(0)
    words: tuple[str, ...] = ()
    while rest and (*words, rest[0]) in parsers:
        words = (*words, rest.pop(0))
    if not words:
        top.parse_args(argv)  # help, version or a usage error: exits
        top.error("a command is required")  # pragma: no cover - parse_args exited
    parser = parsers[words]
    if parser.get_default("handler") is None:  # a group such as `key`: needs its subcommand
        parser.parse_args(rest)  # help or a usage error: exits
        parser.error("a subcommand is required")  # pragma: no cover
    args = parser.parse_intermixed_args(rest)
    args.debug = debug or getattr(args, "debug", False)
    args.parser = parser
    return args


def _raised_here(exc: BaseException) -> bool:
    """Whether locosuppress code raised the exception (its messages are written to be safe)."""
    tb: TracebackType | None = exc.__traceback__
    module = ""
    while tb is not None:
        module = str(tb.tb_frame.f_globals.get("__name__", ""))
        tb = tb.tb_next
    return module == "locosuppress" or module.startswith("locosuppress.")


def _traceback(err: TextIO, exc: BaseException) -> None:
    """Print the traceback for ``--debug``, with anything like an address hidden."""
    err.write(hide_secrets("".join(traceback.format_exception(exc))))


def _fail(err: TextIO, message: str) -> None:
    """Print the one-line failure message, secrets hidden, in the command's words."""
    err.write(f"locosuppress: error: {hide_secrets(command_line_words(message))}\n")
    err.flush()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; return the exit status (the console script exits with it).

    Args:
        argv: the arguments without the program name (default: ``sys.argv[1:]``).
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    err = sys.stderr
    debug = "--debug" in arguments
    try:
        args = parse(arguments)
        console = Console(sys.stdout, err, sys.stdin)
        handler: Handler = args.handler
        return handler(args, console)
    except SystemExit as exit_:  # argparse: --help, --version (0) and usage errors (2)
        code = exit_.code
        return code if isinstance(code, int) else (0 if code is None else 2)
    except KeyboardInterrupt as exc:
        if debug:
            _traceback(err, exc)
        err.write("locosuppress: interrupted\n")
        return 130
    except BrokenPipeError:  # the reader of our output went away (`| head`): stop quietly
        with contextlib.suppress(OSError, ValueError):  # no second error when Python flushes
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except (CommandError, LocosuppressError, OSError) as exc:
        if debug:
            _traceback(err, exc)
        _fail(err, str(exc) or type(exc).__name__)
        return 1
    except (ValueError, TypeError) as exc:
        if debug:
            _traceback(err, exc)
        if _raised_here(exc):
            _fail(err, str(exc))
        else:
            _fail(err, f"unexpected {type(exc).__name__}; run again with --debug to see where")
        return 1
    except Exception as exc:  # a bug: say so without showing data
        if debug:
            _traceback(err, exc)
        _fail(err, f"internal error ({type(exc).__name__}); run again with --debug and report it")
        return 1

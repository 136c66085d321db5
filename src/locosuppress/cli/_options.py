"""The options several commands share, built once, and the checks of option values.

:func:`shared_options` builds the parent parsers (``--debug``, ``--key-file``,
``--json``, ``--force``, ``--read-only``, the deprecated ``--workers`` and the
options for reading an input file) that each command module's ``register``
picks from; :func:`command_parser` adds one command with its summary and
examples. The type checkers turn option text into values with argparse's
usage errors (exit status 2). The choices come from
:mod:`locosuppress._vocabulary`, like the library's own checks.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final, NoReturn

import attrs

from locosuppress._compat import INSTEAD
from locosuppress._vocabulary import CHANNELS, MAX_SOURCE, REASONS, SCOPES, check_source
from locosuppress.cli._console import Console, hide_secrets
from locosuppress.errors import InvalidOptionError

__all__ = [
    "ADD_REASONS",
    "CHANNEL_CHOICES",
    "SCOPE_CHOICES",
    "Formatter",
    "Parser",
    "Shared",
    "command_parser",
    "list_location",
    "not_negative",
    "note_workers",
    "positive",
    "shared_options",
    "sheet",
    "source_label",
    "usage_error",
]

#: Scopes an entry may have (``--scope``).
SCOPE_CHOICES: Final = tuple(SCOPES)
#: Channels a mailing may go out on (``--channel``).
CHANNEL_CHOICES: Final = tuple(channel for channel in CHANNELS if channel is not None)
#: Reasons ``add``, ``add-domain`` and ``merge`` accept.
ADD_REASONS: Final = tuple(REASONS)


class Parser(argparse.ArgumentParser):
    """argparse, without abbreviated options and with safe error messages.

    Abbreviations are off so that no option can be mistaken for another
    (``--key`` must not pass for ``--key-file``); usage errors echo the
    arguments, so key text and addresses are hidden in them too.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        """Print the usage and the message (secrets hidden), exit with status 2."""
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {hide_secrets(message)}\n")


class Formatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the examples as written; a little more room for option names."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=32)


@attrs.frozen
class Shared:
    """The parent parsers commands pick their common options from."""

    #: ``--debug``, on every command.
    common: argparse.ArgumentParser
    #: ``--key-file``, on every command that uses the key.
    keyed: argparse.ArgumentParser
    #: ``--json``.
    as_json: argparse.ArgumentParser
    #: ``--force``, on commands that write files a user names.
    force: argparse.ArgumentParser
    #: ``--read-only``, on commands that only read the list.
    read_only: argparse.ArgumentParser
    #: ``--workers``, deprecated and ignored (see :func:`note_workers`).
    workers: argparse.ArgumentParser
    #: ``--encoding``, ``--delimiter`` and ``--sheet``, for commands that read a file.
    reading: argparse.ArgumentParser
    #: ``--no-header``, for commands that read a file of addresses (``add``, ``filter``).
    no_header: argparse.ArgumentParser


def shared_options() -> Shared:
    """Build the parent parsers once, for every command to share."""
    common = Parser(add_help=False)
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show the traceback of a failure (it may name files, never addresses)",
    )
    keyed = Parser(add_help=False)
    keyed.add_argument(
        "--key-file",
        type=Path,
        metavar="PATH",
        help="the list's key file, or its key ring file after `key rotate` (mode 0600); "
        "default: the LOCOSUPPRESS_KEY environment variable",
    )
    as_json = Parser(add_help=False)
    as_json.add_argument("--json", action="store_true", help="print the report as JSON")
    force = Parser(add_help=False)
    force.add_argument("--force", action="store_true", help="replace output files that exist")
    read_only = Parser(add_help=False)
    read_only.add_argument(
        "--read-only",
        action="store_true",
        help="open the list read-only: nothing is written, not even to the audit log",
    )
    workers = Parser(add_help=False)
    workers.add_argument(
        "--workers",
        type=positive,
        default=None,
        metavar="N",
        help=(
            "deprecated and ignored: everything runs in this process; for several "
            "cores use locosuppress.dask (docs/dask.md)"
        ),
    )
    reading = Parser(add_help=False)
    group = reading.add_argument_group("reading the input file (detected when not given)")
    group.add_argument(
        "--encoding", metavar="CODEC", help="CSV or JSON encoding, e.g. cp1252 or utf-8"
    )
    group.add_argument("--delimiter", metavar="CHAR", help="CSV delimiter, e.g. ';'")
    group.add_argument(
        "--sheet",
        type=sheet,
        metavar="SHEET",
        help=".xlsx worksheet, by 0-based position or name (default: the first)",
    )
    no_header = Parser(add_help=False)
    no_header.add_argument(
        "--no-header",
        action="store_true",
        help=(
            "the file has no header row: read every row as data, with columns named "
            "column_1, column_2, ... (a one-column file needs no --column)"
        ),
    )
    return Shared(
        no_header=no_header,
        common=common,
        keyed=keyed,
        as_json=as_json,
        force=force,
        read_only=read_only,
        workers=workers,
        reading=reading,
    )


def command_parser(
    subparsers: Any,
    name: str,
    summary: str,
    epilog: str,
    *,
    parents: Sequence[argparse.ArgumentParser],
    aliases: Sequence[str] = (),
) -> argparse.ArgumentParser:
    """Add the command ``name`` to ``subparsers``.

    Args:
        subparsers: what ``add_subparsers`` returned.
        name: the command's word.
        summary: one line, lower case, no full stop (the help list and the description).
        epilog: the examples, indented as in the source.
        parents: the shared options the command takes.
        aliases: other words for the command (``anonymize`` for ``anonymise``).
    """
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name,
        allow_abbrev=False,
        help=summary,
        description=summary[0].upper() + summary[1:] + ".",
        epilog="examples:\n" + textwrap.indent(textwrap.dedent(epilog).strip("\n"), "  "),
        formatter_class=Formatter,
        parents=list(parents),
        aliases=list(aliases),
    )
    return parser


# -- option values ------------------------------------------------------------------------


def list_location(text: str) -> Path | str:
    """A LIST argument: a ``postgresql://`` URL as given, anything else a list file path."""
    if text.startswith(("postgresql://", "postgres://")):
        return text
    return Path(text)


def source_label(text: str) -> str:
    """``--source``: a label for the audit log (checked as the library checks it)."""
    try:
        checked = check_source(text)
    except InvalidOptionError:
        raise argparse.ArgumentTypeError(
            f"a source label is 1 to {MAX_SOURCE} printable characters without '@' "
            "(it is stored as text)"
        ) from None
    assert checked is not None  # only None gives None
    return checked


def _whole_number(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of at least {minimum}, not {value}"
        )
    return value


def positive(text: str) -> int:
    """A whole number of at least 1."""
    return _whole_number(text, 1)


def not_negative(text: str) -> int:
    """A whole number of at least 0."""
    return _whole_number(text, 0)


def sheet(text: str) -> int | str:
    """``--sheet``: a 0-based position when all digits, else a worksheet name."""
    return int(text) if text.isdigit() else text


# -- in handlers ----------------------------------------------------------------------------


def usage_error(args: argparse.Namespace, message: str) -> NoReturn:
    """Report wrong usage the argparse way (exit status 2)."""
    parser: argparse.ArgumentParser = args.parser
    parser.error(message)


def note_workers(args: argparse.Namespace, console: Console) -> None:
    """The deprecated ``--workers``: accepted for one release, with a note on stderr."""
    if args.workers is not None:
        print(
            f"note: --workers is deprecated and ignored: {INSTEAD}; "
            "it will be removed in the next release",
            file=console.err,
        )

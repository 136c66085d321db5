"""The ``locosuppress`` command (also ``python -m locosuppress``).

One subcommand per job of the library: make a key and a list, add and remove
people, filter a mailing file, anonymise old events, look after the list
(stats, audit, verify, backup, export, merge), and ``demo``, the whole flow
on generated sample data. ``docs/command-line.md`` is the manual.

Conventions, the same for every subcommand:

* options may stand before or after the positional arguments;
* the key comes from ``--key-file PATH`` or ``LOCOSUPPRESS_KEY``, never from
  an argument (shell history and process lists would keep it);
* exit status 0 on success, 1 when the data or the list fails (one line on
  standard error, no traceback unless ``--debug``), 2 for wrong usage, 130
  when interrupted; no message ever shows an e-mail address;
* reports go to standard output as aligned text, or as JSON with ``--json``;
  progress goes to standard error, and only when it is a terminal.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import textwrap
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, NoReturn, TextIO

from locosuppress import _cli_commands as commands
from locosuppress._cli_files import CommandError
from locosuppress._version import __version__
from locosuppress.errors import LocosuppressError

__all__ = ["build_parser", "main"]

Handler = Callable[[argparse.Namespace, "commands.Console"], int]

_KEY_TEXT = re.compile(r"locosuppress-key-v\d+:[A-Za-z0-9_=-]*")
_ADDRESS = re.compile(r"[^\s<>\"'`@,;:()\[\]]+@[^\s<>\"'`@,;:()\[\]]+\.[^\s<>\"'`@,;:()\[\]]+")

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


class _Parser(argparse.ArgumentParser):
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
        self.exit(2, f"{self.prog}: error: {_hide_secrets(message)}\n")


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the examples as written; a little more room for option names."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=32)


def _parser(
    subparsers: Any,
    name: str,
    summary: str,
    epilog: str,
    *,
    parents: Sequence[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name,
        allow_abbrev=False,
        help=summary,
        description=summary[0].upper() + summary[1:] + ".",
        epilog="examples:\n" + textwrap.indent(textwrap.dedent(epilog).strip("\n"), "  "),
        formatter_class=_Formatter,
        parents=list(parents),
    )
    return parser


def _scopes() -> tuple[str, ...]:
    return ("all", "newsletter", "post")


def _source_label(text: str) -> str:
    if not text or len(text) > 200 or "@" in text or not text.isprintable():
        raise argparse.ArgumentTypeError(
            "a source label is 1 to 200 printable characters without '@' (it is stored as text)"
        )
    return text


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {value}")
    return value


def _not_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 0, not {value}")
    return value


def _sheet(text: str) -> int | str:
    return int(text) if text.isdigit() else text


def build_parser() -> tuple[
    argparse.ArgumentParser, dict[tuple[str, ...], argparse.ArgumentParser]
]:
    """Build the command's parser.

    Returns:
        The top-level parser (for ``--help`` and errors) and the parser of
        every command by its words (``("add",)``, ``("key", "new")``, ...).
    """
    common = _Parser(add_help=False)
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show the traceback of a failure (it may name files, never addresses)",
    )
    keyed = _Parser(add_help=False)
    keyed.add_argument(
        "--key-file",
        type=Path,
        metavar="PATH",
        help="the list's key file (mode 0600); default: the LOCOSUPPRESS_KEY environment variable",
    )
    as_json = _Parser(add_help=False)
    as_json.add_argument("--json", action="store_true", help="print the report as JSON")
    force = _Parser(add_help=False)
    force.add_argument("--force", action="store_true", help="replace output files that exist")
    read_only = _Parser(add_help=False)
    read_only.add_argument(
        "--read-only",
        action="store_true",
        help="open the list read-only: nothing is written, not even to the audit log",
    )
    workers = _Parser(add_help=False)
    workers.add_argument(
        "--workers",
        type=_positive,
        default=None,
        metavar="N",
        help=(
            "deprecated and ignored: everything runs in this process; for several "
            "cores use locosuppress.dask (docs/dask.md)"
        ),
    )
    reading = _Parser(add_help=False)
    group = reading.add_argument_group("reading the input file (detected when not given)")
    group.add_argument("--encoding", metavar="CODEC", help="CSV encoding, e.g. cp1252 or utf-8")
    group.add_argument("--delimiter", metavar="CHAR", help="CSV delimiter, e.g. ';'")
    group.add_argument(
        "--sheet",
        type=_sheet,
        metavar="SHEET",
        help=".xlsx worksheet, by 0-based position or name (default: the first)",
    )

    top = _Parser(
        prog="locosuppress",
        description=_MAIN_DESCRIPTION,
        epilog=_MAIN_EPILOG,
        formatter_class=_Formatter,
        parents=[common],
    )
    top.add_argument("--version", action="version", version=f"locosuppress {__version__}")
    sub = top.add_subparsers(
        title="commands", metavar="COMMAND", dest="command", required=True, parser_class=_Parser
    )
    parsers: dict[tuple[str, ...], argparse.ArgumentParser] = {}

    # -- key -------------------------------------------------------------------------------
    key = _parser(
        sub,
        "key",
        "create a key file or show a key's fingerprint",
        """
        locosuppress key new secret/list.key
        locosuppress key fingerprint --key-file secret/list.key
        """,
        parents=[common],
    )
    key_sub = key.add_subparsers(
        parser_class=_Parser,
        title="key commands",
        metavar="KEYCOMMAND",
        dest="key_command",
        required=True,
    )
    parsers[("key",)] = key
    new = _parser(
        key_sub,
        "new",
        "create a new secret key file (mode 0600, never overwriting)",
        """
        locosuppress key new secret/list.key
        export LOCOSUPPRESS_KEY="$(cat secret/list.key)"   # for the commands that follow
        """,
        parents=[common],
    )
    new.add_argument(
        "path", type=Path, metavar="PATH", help="the new key file (its folder must exist)"
    )
    new.set_defaults(handler=commands.key_new)
    parsers[("key", "new")] = new
    fingerprint = _parser(
        key_sub,
        "fingerprint",
        "print the public fingerprint of a key",
        """
        locosuppress key fingerprint --key-file secret/list.key
        LOCOSUPPRESS_KEY="$(cat secret/list.key)" locosuppress key fingerprint
        """,
        parents=[common, keyed],
    )
    fingerprint.set_defaults(handler=commands.key_fingerprint)
    parsers[("key", "fingerprint")] = fingerprint

    # -- init ------------------------------------------------------------------------------
    init = _parser(
        sub,
        "init",
        "create an empty suppression list for a key",
        """
        locosuppress init suppression.db --key-file secret/list.key
        """,
        parents=[common, keyed],
    )
    init.add_argument(
        "list", type=Path, metavar="LIST", help="the new list file (its folder must exist)"
    )
    init.set_defaults(handler=commands.init)
    parsers[("init",)] = init

    # -- add -------------------------------------------------------------------------------
    add = _parser(
        sub,
        "add",
        "suppress addresses: from arguments, a file or standard input",
        """
        locosuppress add suppression.db --reason erasure jan@example.nl
        locosuppress add suppression.db jan@example.nl --reason erasure --scope all
        locosuppress add suppression.db --from afmeldingen.csv --column E-mailadres \\
            --scope newsletter --reason unsubscribed
        grep -v '^#' bounces.txt | locosuppress add suppression.db --reason bounce

        Addresses given as arguments end up in your shell history: for people
        who asked to be erased, prefer --from FILE or standard input.
        """,
        parents=[common, keyed, as_json, workers, reading],
    )
    add.add_argument("list", type=Path, metavar="LIST", help="the suppression list")
    add.add_argument(
        "addresses",
        nargs="*",
        metavar="ADDRESS",
        help="addresses to suppress ('-': read standard input)",
    )
    add.add_argument(
        "--from",
        dest="from_file",
        type=Path,
        metavar="FILE",
        help="read addresses from a CSV or .xlsx file",
    )
    add.add_argument(
        "--column",
        metavar="NAME",
        help="the address column of --from FILE (default: found by its name)",
    )
    add.add_argument(
        "--scope",
        choices=_scopes(),
        default="all",
        help="what the people are suppressed for (default: all)",
    )
    add.add_argument(
        "--reason",
        choices=commands.ADD_REASONS,
        default="unsubscribed",
        help="why (default: unsubscribed)",
    )
    add.add_argument(
        "--source",
        type=_source_label,
        metavar="LABEL",
        help="a label for the audit log, never an address (default: the file name)",
    )
    add.add_argument(
        "--allow-invalid",
        action="store_true",
        help="exit 0 even when some inputs are not addresses (they are never stored)",
    )
    add.set_defaults(handler=commands.add)
    parsers[("add",)] = add

    add_domain = _parser(
        sub,
        "add-domain",
        "suppress every address at a domain",
        """
        locosuppress add-domain suppression.db oud-bedrijf.example --reason complaint
        """,
        parents=[common, keyed],
    )
    add_domain.add_argument("list", type=Path, metavar="LIST", help="the suppression list")
    add_domain.add_argument("domain", metavar="DOMAIN", help="the domain, e.g. example.nl")
    add_domain.add_argument(
        "--scope",
        choices=_scopes(),
        default="all",
        help="what the domain is suppressed for (default: all)",
    )
    add_domain.add_argument(
        "--reason", choices=commands.ADD_REASONS, default="manual", help="why (default: manual)"
    )
    add_domain.add_argument(
        "--source", type=_source_label, metavar="LABEL", help="a label for the audit log"
    )
    add_domain.set_defaults(handler=commands.add_domain)
    parsers[("add-domain",)] = add_domain

    # -- remove ----------------------------------------------------------------------------
    remove = _parser(
        sub,
        "remove",
        "lift the suppression of one address (fresh consent)",
        """
        locosuppress remove suppression.db jan@example.nl --reason resubscribed
        echo jan@example.nl | locosuppress remove suppression.db - --reason resubscribed
        locosuppress remove suppression.db jan@example.nl --reason correction --scope post
        """,
        parents=[common, keyed],
    )
    remove.add_argument("list", type=Path, metavar="LIST", help="the suppression list")
    remove.add_argument("address", metavar="ADDRESS", help="the address ('-': read standard input)")
    remove.add_argument(
        "--reason",
        required=True,
        choices=commands.REMOVE_REASONS,
        help="why the suppression is lifted (recorded in the audit log)",
    )
    remove.add_argument(
        "--scope", choices=_scopes(), help="lift only this scope (default: every scope)"
    )
    remove.set_defaults(handler=commands.remove)
    parsers[("remove",)] = remove

    remove_domain = _parser(
        sub,
        "remove-domain",
        "lift the suppression of a domain",
        """
        locosuppress remove-domain suppression.db oud-bedrijf.example --reason correction
        """,
        parents=[common, keyed],
    )
    remove_domain.add_argument("list", type=Path, metavar="LIST", help="the suppression list")
    remove_domain.add_argument("domain", metavar="DOMAIN", help="the domain")
    remove_domain.add_argument(
        "--reason",
        required=True,
        choices=commands.REMOVE_REASONS,
        help="why the suppression is lifted",
    )
    remove_domain.add_argument(
        "--scope", choices=_scopes(), help="lift only this scope (default: every scope)"
    )
    remove_domain.set_defaults(handler=commands.remove_domain)
    parsers[("remove-domain",)] = remove_domain

    # -- filter ----------------------------------------------------------------------------
    filter_ = _parser(
        sub,
        "filter",
        "write a mailing file without the suppressed people",
        """
        locosuppress filter suppression.db import.csv -o schoon.csv --channel newsletter
        locosuppress filter suppression.db klanten.xlsx -o schoon.xlsx --report rapport.json
        locosuppress filter suppression.db import.csv -o schoon.csv --column E-mailadres \\
            --keep-invalid --no-dedupe --force

        The output has the input's format (.xlsx when OUTPUT ends in .xlsx, else CSV
        with the input's encoding and delimiter) and is written atomically. The
        input is never overwritten.
        """,
        parents=[common, keyed, as_json, force, read_only, workers, reading],
    )
    filter_.add_argument("list", type=Path, metavar="LIST", help="the suppression list")
    filter_.add_argument(
        "input", type=Path, metavar="INPUT", help="the mailing file (CSV or .xlsx)"
    )
    filter_.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="OUTPUT",
        help="where to write the kept rows",
    )
    filter_.add_argument(
        "--column", metavar="NAME", help="the address column (default: found by its name)"
    )
    filter_.add_argument(
        "--channel",
        choices=("newsletter", "post"),
        help="the mailing's channel (default: any scope suppresses)",
    )
    filter_.add_argument(
        "--keep-invalid",
        action="store_true",
        help="keep rows without a usable address (default: drop them)",
    )
    filter_.add_argument(
        "--no-dedupe",
        action="store_true",
        help="keep later rows whose address repeats an earlier one",
    )
    filter_.add_argument(
        "--report", type=Path, metavar="FILE", help="also write the report as JSON to FILE"
    )
    filter_.set_defaults(handler=commands.filter_file)
    parsers[("filter",)] = filter_

    # -- anonymise -------------------------------------------------------------------------
    anonymise = _parser(
        sub,
        "anonymise",
        "anonymise open and click events older than 12 months",
        """
        locosuppress anonymise events.csv -o events-anoniem.csv --tz Europe/Amsterdam
        locosuppress anonymise events.xlsx -o anoniem.xlsx --now 2025-01-31 \\
            --aggregates per-dag.csv --resolution day
        locosuppress anonymise events.csv -o anoniem.csv --keep campaign url event

        Timestamps may be ISO 8601 (2024-03-05 14:22, 2024-03-05T14:22:10+01:00)
        or day-first (5-3-2024 14:22); they are written back as ISO 8601. A value
        that is no time counts as old (fail closed) and is reported.
        Put --keep's columns after INPUT, or end them with --.
        """,
        parents=[common, as_json, force, reading],
    )
    anonymise.add_argument(
        "input", type=Path, metavar="INPUT", help="the events file (CSV or .xlsx)"
    )
    anonymise.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="OUTPUT",
        help="where to write the events",
    )
    anonymise.add_argument(
        "--now",
        metavar="ISO",
        help="the reference time (default: now); without offset a wall time in --tz",
    )
    anonymise.add_argument(
        "--months",
        type=_not_negative,
        default=12,
        help="the age limit in calendar months (default: 12)",
    )
    anonymise.add_argument(
        "--timestamp",
        default="timestamp",
        metavar="NAME",
        help="the time column (default: timestamp)",
    )
    anonymise.add_argument(
        "--keep",
        nargs="+",
        action="extend",
        metavar="COL",
        help="columns kept on old rows (default: campaign, event, url and the like)",
    )
    anonymise.add_argument(
        "--identity",
        nargs="+",
        action="extend",
        metavar="COL",
        help="columns that tell who (default: found by name, e.g. email)",
    )
    anonymise.add_argument(
        "--resolution",
        choices=("day", "hour", "month", "none"),
        default="day",
        help="floor old timestamps to this (default: day)",
    )
    anonymise.add_argument(
        "--tz",
        default="UTC",
        metavar="ZONE",
        help="time zone of the wall clock, e.g. Europe/Amsterdam (default: UTC)",
    )
    anonymise.add_argument(
        "--min-group-size",
        type=_positive,
        default=5,
        metavar="K",
        help="report aggregate groups with fewer events (default: 5)",
    )
    anonymise.add_argument(
        "--aggregates",
        type=Path,
        metavar="FILE",
        help="also write the per-group counts (CSV or .xlsx)",
    )
    anonymise.set_defaults(handler=commands.anonymise)
    parsers[("anonymise",)] = anonymise

    # -- looking after the list -----------------------------------------------------------
    stats = _parser(
        sub,
        "stats",
        "show counts by scope, reason and month",
        """
        locosuppress stats suppression.db
        locosuppress stats suppression.db --json
        """,
        parents=[common, keyed, as_json],
    )
    stats.add_argument("list", type=Path, metavar="LIST", help="the suppression list")
    stats.set_defaults(handler=commands.stats)
    parsers[("stats",)] = stats

    audit = _parser(
        sub,
        "audit",
        "show the audit log (counts and times, never addresses)",
        """
        locosuppress audit suppression.db --last 20
        locosuppress audit suppression.db --json > audit.json
        """,
        parents=[common, keyed, as_json],
    )
    audit.add_argument("list", type=Path, metavar="LIST", help="the suppression list")
    audit.add_argument("--last", type=_positive, metavar="N", help="only the last N rows")
    audit.set_defaults(handler=commands.audit)
    parsers[("audit",)] = audit

    verify = _parser(
        sub,
        "verify",
        "check the list file; exit status 1 when it has problems",
        """
        locosuppress verify suppression.db || echo "restore the last backup" >&2
        locosuppress verify suppression.db --quick
        """,
        parents=[common, keyed, as_json],
    )
    verify.add_argument("list", type=Path, metavar="LIST", help="the suppression list")
    verify.add_argument(
        "--quick", action="store_true", help="SQLite's quick_check instead of the full check"
    )
    verify.set_defaults(handler=commands.verify)
    parsers[("verify",)] = verify

    backup = _parser(
        sub,
        "backup",
        "write a consistent copy of the list (never overwriting)",
        """
        locosuppress backup suppression.db backups/suppression-$(date +%F).db
        """,
        parents=[common, keyed, read_only],
    )
    backup.add_argument("list", type=Path, metavar="LIST", help="the suppression list")
    backup.add_argument("dest", type=Path, metavar="DEST", help="the new backup file")
    backup.set_defaults(handler=commands.backup)
    parsers[("backup",)] = backup

    export = _parser(
        sub,
        "export",
        "write the portable hash file for a processor with the same key",
        """
        locosuppress export suppression.db voor-verwerker.txt --channel newsletter
        """,
        parents=[common, keyed, as_json, read_only],
    )
    export.add_argument("list", type=Path, metavar="LIST", help="the suppression list")
    export.add_argument("file", type=Path, metavar="FILE", help="the new export file")
    export.add_argument(
        "--channel",
        choices=("newsletter", "post"),
        help="only the entries that block this channel (default: every entry)",
    )
    export.set_defaults(handler=commands.export)
    parsers[("export",)] = export

    merge = _parser(
        sub,
        "merge",
        "add every entry of an export file made with the same key",
        """
        locosuppress merge suppression.db van-verwerker.txt --source "verwerker X"
        """,
        parents=[common, keyed, as_json],
    )
    merge.add_argument("list", type=Path, metavar="LIST", help="the suppression list")
    merge.add_argument("file", type=Path, metavar="FILE", help="the export file")
    merge.add_argument(
        "--reason",
        choices=commands.ADD_REASONS,
        default="import",
        help="the reason recorded for new entries (default: import)",
    )
    merge.add_argument(
        "--source", type=_source_label, metavar="LABEL", help="a label for the audit log"
    )
    merge.set_defaults(handler=commands.merge)
    parsers[("merge",)] = merge

    # -- demo ------------------------------------------------------------------------------
    demo = _parser(
        sub,
        "demo",
        "run the whole job on sample data it generates",
        """
        locosuppress demo
        locosuppress demo --dir demo --rows 100000
        locosuppress demo --dir demo --seed 7 --now 2025-06-30T12:00

        Makes a key, a list of suppressed people, a messy Dutch-style import
        (semicolons, Windows-1252, other spellings of suppressed addresses) and a
        year and a half of events; filters the import for the newsletter and
        anonymises the events. All addresses are made up, at example domains.
        """,
        parents=[common],
    )
    demo.add_argument(
        "--dir",
        type=Path,
        metavar="DIR",
        help="where to put the files (default: a new temporary folder)",
    )
    demo.add_argument(
        "--rows",
        type=_positive,
        default=2_000,
        help="rows in the import, and about as many events (default: 2000)",
    )
    demo.add_argument("--seed", type=int, default=2024, help="random seed (default: 2024)")
    demo.add_argument("--now", metavar="ISO", help="when the events end (default: now)")
    demo.set_defaults(handler=commands.demo)
    parsers[("demo",)] = demo
    return top, parsers


def _parse(argv: Sequence[str]) -> argparse.Namespace:
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


def _hide_secrets(message: str) -> str:
    """Defence in depth: no message may carry key text or something that looks like an address."""
    message = _KEY_TEXT.sub("<key hidden>", message)
    return _ADDRESS.sub("<address hidden>", message)


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
    err.write(_hide_secrets("".join(traceback.format_exception(exc))))


def _fail(err: TextIO, message: str) -> None:
    err.write(f"locosuppress: error: {_hide_secrets(message)}\n")
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
        args = _parse(arguments)
        console = commands.Console(sys.stdout, err, sys.stdin)
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

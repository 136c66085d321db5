"""``locosuppress import``: load a provider's suppression export with its reasons and dates."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from locosuppress.cli._console import Console
from locosuppress.cli._files import CommandError, open_list
from locosuppress.cli._options import (
    SCOPE_CHOICES,
    Shared,
    command_parser,
    list_location,
    source_label,
    usage_error,
)
from locosuppress.interop import FORMATS, read_suppressions

__all__ = ["import_", "reason_map", "register"]


def reason_map(text: str) -> dict[str, str | None]:
    """``--reason-map 'spam=complaint,soft=none'``: provider words to reasons (none: skip)."""
    mapping: dict[str, str | None] = {}
    for item in text.split(","):
        word, sep, reason = item.partition("=")
        if not sep or not word.strip() or not reason.strip():
            raise argparse.ArgumentTypeError(
                "use WORD=REASON pairs separated by commas, e.g. 'spam=complaint,soft=none'"
            )
        value = reason.strip()
        mapping[word.strip()] = None if value.lower() == "none" else value
    return mapping


def register(subparsers: Any, shared: Shared) -> dict[tuple[str, ...], argparse.ArgumentParser]:
    """Add ``import``."""
    parser = command_parser(
        subparsers,
        "import",
        "load a provider's suppression export (Mailchimp, SendGrid, SES, Mailgun, Brevo, listmonk)",
        """
        locosuppress import suppression.db sendgrid-bounces.csv
        locosuppress import suppression.db mailchimp-audience.zip --dry-run
        aws sesv2 list-suppressed-destinations > ses.json
        locosuppress import suppression.db ses.json --json
        locosuppress import suppression.db afmeldingen.csv --format generic \\
            --reason-column Reden --reason-map 'spam=complaint,afgemeld=unsubscribed' \\
            --date-column Datum

        The format is detected from the columns (or JSON keys) each provider
        documents; docs/interop.md shows how to export from each one.
        """,
        parents=[shared.common, shared.keyed, shared.as_json, shared.reading],
    )
    parser.add_argument(
        "list",
        type=list_location,
        metavar="LIST",
        help="the suppression list (a file, or a postgresql:// URL)",
    )
    parser.add_argument("file", type=Path, metavar="FILE", help="the provider's export")
    parser.add_argument(
        "--format", choices=FORMATS, default="auto", help="the export's layout (default: auto)"
    )
    parser.add_argument(
        "--reason-column", metavar="NAME", help="--format generic: the column of reason words"
    )
    parser.add_argument(
        "--reason-map",
        type=reason_map,
        metavar="WORD=REASON,...",
        help="map the provider's words to our reasons ('none': not a suppression)",
    )
    parser.add_argument("--date-column", metavar="NAME", help="a column of ISO 8601 dates to use")
    parser.add_argument(
        "--scope", choices=SCOPE_CHOICES, help="suppress every row for this scope (default: all)"
    )
    parser.add_argument(
        "--include-soft",
        action="store_true",
        help="soft bounces and blocks become bounce suppressions (always reported)",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="read and report; write nothing to the list (the key is still checked against it)",
    )
    parser.add_argument(
        "--source",
        type=source_label,
        metavar="LABEL",
        help="a label for the audit log, never an address (default: the file name)",
    )
    parser.set_defaults(handler=import_)
    return {("import",): parser}


def import_(args: argparse.Namespace, console: Console) -> int:
    """``import LIST FILE``: read the export, print what it holds, add the suppressions."""
    if args.delimiter is not None:
        usage_error(args, "--delimiter is detected for provider exports; leave it out")
    path: Path = args.file
    added = None
    # The list is opened (and the key checked against it) before the file is
    # read, a dry run included: a wrong key fails before anything is printed.
    # A dry run opens it read-only, so nothing is written, not even the audit log.
    with open_list(args.list, args.key_file, read_only=args.dry_run) as lst:
        with console.progress.step(f"Reading {path.name}"):
            export = read_suppressions(
                path,
                format=args.format,
                encoding=args.encoding,
                sheet=args.sheet,
                include_soft=args.include_soft,
                reason_map=args.reason_map,
                reason_column=args.reason_column,
                date_column=args.date_column,
            )
        if args.scope is not None:
            export = export.with_scope(args.scope)
        if not args.dry_run:
            if not len(export):
                raise CommandError(f"{path.name}: holds no suppressions; nothing to add")
            with console.progress.step("Adding"):
                added = lst.add_export(export, source=args.source)
    if args.json:
        data = {"read": export.to_dict(), "added": None if added is None else added.to_dict()}
        console.show(_Json(data), as_json=True)
        return 0
    console.say(str(export))
    console.say()
    if added is None:
        console.say(f"Dry run: {len(export):,} suppressions read; nothing was written.")
    else:
        console.say(str(added))
    return 0


class _Json:
    """A ready dict for :meth:`Console.show`."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def to_dict(self) -> dict[str, Any]:
        return self._data

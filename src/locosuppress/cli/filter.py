"""``locosuppress filter``: write a mailing file without the suppressed people."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Final

from locosuppress.cli._console import Console
from locosuppress.cli._files import (
    CommandError,
    address_column,
    check_output,
    list_files,
    open_list,
    write_json,
)
from locosuppress.cli._options import (
    CHANNEL_CHOICES,
    Shared,
    command_parser,
    list_location,
    note_workers,
)
from locosuppress.filtering import FilterResult
from locosuppress.io import read_mailing_file, write_mailing_file
from locosuppress.store import SuppressionList

__all__ = ["REJECTED_COLUMN", "filter_file", "register", "run_filter"]

#: The column ``--rejected`` adds to each removed row: its outcome.
REJECTED_COLUMN: Final = "outcome"


def register(subparsers: Any, shared: Shared) -> dict[tuple[str, ...], argparse.ArgumentParser]:
    """Add ``filter``."""
    parser = command_parser(
        subparsers,
        "filter",
        "write a mailing file without the suppressed people",
        """
        locosuppress filter suppression.db import.csv -o schoon.csv --channel newsletter
        locosuppress filter suppression.db klanten.xlsx -o schoon.xlsx --report rapport.json
        locosuppress filter suppression.db import.csv -o schoon.csv --column E-mailadres \\
            --keep-invalid --no-dedupe --force
        locosuppress filter suppression.db import.csv -o schoon.csv --rejected verwijderd.csv

        INPUT may also be JSON (an array of objects) or JSON Lines, told by its
        content. The output has the input's format (.xlsx when OUTPUT ends in
        .xlsx, JSON for .json, JSON Lines for .jsonl, CSV for .csv, else as the
        input was: CSV with its encoding and delimiter, or JSON) and is written
        atomically. The input is never overwritten. --rejected FILE writes the
        removed rows (suppressed, invalid unless --keep-invalid, duplicate) the
        same way, with their columns and an outcome column last.
        """,
        parents=[
            shared.common,
            shared.keyed,
            shared.as_json,
            shared.force,
            shared.read_only,
            shared.workers,
            shared.reading,
            shared.no_header,
        ],
    )
    parser.add_argument(
        "list",
        type=list_location,
        metavar="LIST",
        help="the suppression list (a file, or a postgresql:// URL)",
    )
    parser.add_argument(
        "input",
        type=Path,
        metavar="INPUT",
        help="the mailing file (CSV, .xlsx, JSON or JSON Lines)",
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="OUTPUT",
        help="where to write the kept rows",
    )
    parser.add_argument(
        "--column", metavar="NAME", help="the address column (default: found by its name)"
    )
    parser.add_argument(
        "--channel",
        choices=CHANNEL_CHOICES,
        help="the mailing's channel (default: any scope suppresses)",
    )
    parser.add_argument(
        "--keep-invalid",
        action="store_true",
        help="keep rows without a usable address (default: drop them)",
    )
    parser.add_argument(
        "--no-dedupe",
        action="store_true",
        help="keep later rows whose address repeats an earlier one",
    )
    parser.add_argument(
        "--report", type=Path, metavar="FILE", help="also write the report as JSON to FILE"
    )
    parser.add_argument(
        "--rejected",
        type=Path,
        metavar="FILE",
        help="also write the removed rows, with an outcome column, to FILE (as the output)",
    )
    parser.add_argument(
        "--outcome-column",
        default=REJECTED_COLUMN,
        metavar="NAME",
        help=f"the name of that column (default: {REJECTED_COLUMN})",
    )
    parser.set_defaults(handler=filter_file)
    return {("filter",): parser}


def run_filter(
    console: Console,
    lst: SuppressionList,
    source: Path,
    output: Path,
    *,
    column: str | None = None,
    channel: str | None = None,
    keep_invalid: bool = False,
    dedupe: bool = True,
    force: bool = False,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: int | str | None = None,
    header: bool = True,
    rejected: Path | None = None,
    outcome_column: str = REJECTED_COLUMN,
) -> FilterResult:
    """Read ``source``, filter it against ``lst``, write the kept rows to ``output``.

    With ``rejected``, the removed rows with their outcome go there, in the
    same format; both files are checked before either is written.
    """
    with console.progress.step(f"Reading {source.name}"):
        frame = read_mailing_file(
            source, encoding=encoding, delimiter=delimiter, sheet=sheet, header=header
        )
    label = address_column(frame, column, no_header=not header)
    if rejected is not None and outcome_column in frame.columns:
        raise CommandError(
            f"{source.name} already has a column named {outcome_column!r}; name the outcome "
            "column of --rejected with --outcome-column NAME"
        )
    with console.progress.step("Filtering"):
        result = lst.filter(
            frame,
            column=label,
            channel=channel,
            on_invalid="keep" if keep_invalid else "exclude",
            dedupe=dedupe,
        )
    removed = result.rejected_rows(column=outcome_column) if rejected is not None else None
    with console.progress.step(f"Writing {output.name}"):
        write_mailing_file(result.kept, output, overwrite=force)
    if rejected is not None and removed is not None:
        with console.progress.step(f"Writing {rejected.name}"):
            write_mailing_file(removed, rejected, overwrite=force)
    return result


def filter_file(args: argparse.Namespace, console: Console) -> int:
    """``filter LIST INPUT -o OUTPUT``: write the rows that may be mailed; print the report."""
    protected = [("input", args.input), *list_files(args.list), ("key", args.key_file)]
    check_output(args.output, inputs=protected, force=args.force)
    note_workers(args, console)
    if args.report is not None:
        check_output(
            args.report,
            inputs=[*protected, ("output", args.output)],
            force=args.force,
            what="report",
        )
    if args.rejected is not None:
        check_output(
            args.rejected,
            inputs=[*protected, ("output", args.output), ("report", args.report)],
            force=args.force,
            what="rejected",
        )
    with open_list(args.list, args.key_file, read_only=args.read_only) as lst:
        result = run_filter(
            console,
            lst,
            args.input,
            args.output,
            column=args.column,
            channel=args.channel,
            keep_invalid=args.keep_invalid,
            dedupe=not args.no_dedupe,
            force=args.force,
            encoding=args.encoding,
            delimiter=args.delimiter,
            sheet=args.sheet,
            header=not args.no_header,
            rejected=args.rejected,
            outcome_column=args.outcome_column,
        )
    if args.report is not None:
        write_json(result.report.to_dict(), args.report, force=args.force)
    console.show(result.report, as_json=args.json)
    return 0

"""``locosuppress anonymise``: anonymise open and click events older than 12 months."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from locosuppress.cli._console import Console
from locosuppress.cli._files import CommandError, check_output
from locosuppress.cli._options import Shared, command_parser, not_negative, positive, usage_error
from locosuppress.cli._times import format_times, parse_now, parse_times, resolve_tz
from locosuppress.events import AnonymisationResult, anonymise_events
from locosuppress.interop import EVENT_FORMATS, read_events
from locosuppress.io import read_mailing_file, write_mailing_file

__all__ = ["anonymise", "register", "run_anonymise"]


def register(subparsers: Any, shared: Shared) -> dict[tuple[str, ...], argparse.ArgumentParser]:
    """Add ``anonymise``."""
    parser = command_parser(
        subparsers,
        "anonymise",
        "anonymise open and click events older than 12 months",
        """
        locosuppress anonymise events.csv -o events-anoniem.csv --tz Europe/Amsterdam
        locosuppress anonymise events.xlsx -o anoniem.xlsx --now 2025-01-31 \\
            --aggregates per-dag.csv --resolution day
        locosuppress anonymise events.csv -o anoniem.csv --keep campaign url event
        locosuppress anonymise sendgrid.csv -o anoniem.csv --timestamp-unit s
        locosuppress anonymise sendgrid-events.json -o anoniem.csv --format sendgrid
        locosuppress anonymize events.csv -o anonymized.csv    (US spelling, same command)

        --format F reads a provider's event export (sendgrid, mailgun, brevo,
        mailchimp, listmonk; auto: told by its columns; generic) into one shape:
        timestamp, event, email, campaign, url, then the provider's other
        columns. Old rows keep timestamp, event, campaign and url (scrubbed);
        no --keep is needed. The output is in that shape (CSV, UTF-8, unless
        OUTPUT ends in .xlsx, .json or .jsonl), times as ISO 8601.

        Timestamps may be ISO 8601 (2024-03-05 14:22, 2024-03-05T14:22:10+01:00)
        or day-first (5-3-2024 14:22); they are written back as ISO 8601. Unix
        times (1719792000) are read only with --timestamp-unit s or ms, and
        written back as Unix times. A value that is no time, or a time more than
        a day after --now (9999-12-31), counts as old (fail closed) and is
        reported; when that is more than half of the timestamps the command
        refuses (exit 1, nothing written) unless --allow-unreadable.
        Put --keep's columns after INPUT, or end them with --.
        """,
        parents=[shared.common, shared.as_json, shared.force, shared.reading],
        aliases=("anonymize",),
    )
    parser.add_argument(
        "input", type=Path, metavar="INPUT", help="the events file (CSV, .xlsx, JSON or JSON Lines)"
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="OUTPUT",
        help="where to write the events",
    )
    parser.add_argument(
        "--format",
        choices=EVENT_FORMATS,
        metavar="F",
        help="read INPUT as a provider's event export: "
        f"{', '.join(EVENT_FORMATS)} (default: a plain events file)",
    )
    parser.add_argument(
        "--now",
        metavar="ISO",
        help="the reference time, ISO 8601 only (2025-07-01 or 2025-07-01T12:00, default: "
        "now); without offset a wall time in --tz",
    )
    parser.add_argument(
        "--months",
        type=not_negative,
        default=12,
        help="the age limit in calendar months (default: 12)",
    )
    parser.add_argument(
        "--timestamp",
        default="timestamp",
        metavar="NAME",
        help="the time column (default: timestamp)",
    )
    parser.add_argument(
        "--timestamp-unit",
        choices=("s", "ms"),
        help="the time column holds Unix times in seconds or milliseconds (never guessed)",
    )
    parser.add_argument(
        "--allow-unreadable",
        action="store_true",
        help="anonymise even when more than half of the timestamps are no time (as old)",
    )
    parser.add_argument(
        "--allow-future",
        action="store_true",
        help="treat times more than a day after --now as recent (default: as unreadable)",
    )
    parser.add_argument(
        "--keep",
        nargs="+",
        action="extend",
        metavar="COL",
        help="columns kept on old rows (default: campaign, event, url and the like)",
    )
    parser.add_argument(
        "--identity",
        nargs="+",
        action="extend",
        metavar="COL",
        help="columns that tell who (default: found by name, e.g. email)",
    )
    parser.add_argument(
        "--resolution",
        choices=("day", "hour", "month", "none"),
        default="day",
        help="floor old timestamps to this (default: day)",
    )
    parser.add_argument(
        "--tz",
        default="UTC",
        metavar="ZONE",
        help="time zone of the wall clock, e.g. Europe/Amsterdam (default: UTC)",
    )
    parser.add_argument(
        "--min-group-size",
        type=positive,
        default=5,
        metavar="K",
        help="report aggregate groups with fewer events (default: 5)",
    )
    parser.add_argument(
        "--aggregates",
        type=Path,
        metavar="FILE",
        help="also write the per-group counts (CSV or .xlsx)",
    )
    parser.set_defaults(handler=anonymise)
    return {("anonymise",): parser, ("anonymize",): parser}


def _blank_to_missing(frame: pd.DataFrame) -> pd.DataFrame:
    """Empty and blank text cells become missing: in a file, that is what they mean."""
    out = frame.copy()
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        text = column.astype("string")
        blank = text.str.strip().eq("").fillna(False).to_numpy(dtype=bool)
        if blank.any():
            out.isetitem(position, column.where(~blank, None).array)
    return out


def run_anonymise(
    console: Console,
    source: Path,
    output: Path,
    *,
    aggregates: Path | None = None,
    now: pd.Timestamp | None = None,
    months: int = 12,
    timestamp: str = "timestamp",
    keep: Sequence[str] | None = None,
    identity: Sequence[str] | None = None,
    resolution: str | None = "day",
    tz: dt.tzinfo | None = None,
    k: int = 5,
    timestamp_unit: str | None = None,
    allow_unreadable: bool = False,
    allow_future: bool = False,
    force: bool = False,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: int | str | None = None,
    format: str | None = None,
) -> AnonymisationResult:
    """Read an events file, anonymise the old rows, write it (and the aggregates) back.

    With ``format``, the file is a provider's event export, read with
    :func:`locosuppress.read_events` into its one shape (its times already
    read, so ``timestamp_unit`` goes to ``read_events``).
    """
    zone = tz if tz is not None else dt.UTC
    if format is not None:
        frame = _provider_events(
            console,
            source,
            format,
            zone,
            timestamp=timestamp,
            timestamp_unit=timestamp_unit,
            encoding=encoding,
            delimiter=delimiter,
            sheet=sheet,
        )
        timestamp_unit = None
    else:
        with console.progress.step(f"Reading {source.name}"):
            frame = read_mailing_file(source, encoding=encoding, delimiter=delimiter, sheet=sheet)
    if timestamp not in frame.columns:
        raise CommandError(
            f"{source} has no column named {timestamp!r}; name the time column with --timestamp"
        )
    with console.progress.step("Anonymising"):
        events = _blank_to_missing(frame)
        if format is None and timestamp_unit is None:  # Unix times stay text: read there
            events[timestamp] = parse_times(events[timestamp], zone)
        result = anonymise_events(
            events,
            now=now,
            months=months,
            timestamp=timestamp,
            keep=list(keep) if keep else None,
            identity=list(identity) if identity else None,
            resolution=resolution,  # type: ignore[arg-type]  # checked by argparse choices
            tz=zone,
            k=k,
            timestamp_unit=timestamp_unit,  # type: ignore[arg-type]  # checked by argparse
            allow_unreadable=allow_unreadable,
            allow_future=allow_future,
        )
    written = result.events.copy()
    written[timestamp] = format_times(written[timestamp])
    written.attrs = dict(frame.attrs)
    with console.progress.step(f"Writing {output.name}"):
        write_mailing_file(written, output, overwrite=force)
        if aggregates is not None:
            counts = result.aggregates.copy()
            if timestamp in counts.columns:
                counts[timestamp] = format_times(counts[timestamp])
            counts.attrs = dict(frame.attrs)
            write_mailing_file(counts, aggregates, overwrite=force)
    return result


def _provider_events(
    console: Console,
    source: Path,
    format: str,
    zone: dt.tzinfo,
    *,
    timestamp: str,
    timestamp_unit: str | None,
    encoding: str | None,
    delimiter: str | None,
    sheet: int | str | None,
) -> pd.DataFrame:
    """A provider's event export in the one shape of :func:`locosuppress.read_events`."""
    if delimiter is not None:
        raise CommandError(
            "--delimiter applies without --format (a provider's export is detected as it is)"
        )
    if timestamp != "timestamp":
        raise CommandError(
            "--timestamp applies without --format (the provider's time column is read "
            "into the column timestamp)"
        )
    with console.progress.step(f"Reading {source.name} ({format})"):
        return read_events(
            source,
            format=format,
            tz=zone,
            timestamp_unit=timestamp_unit,
            encoding=encoding,
            sheet=sheet,
        )


def anonymise(args: argparse.Namespace, console: Console) -> int:
    """``anonymise INPUT -o OUTPUT``: anonymise old events; print the report."""
    try:
        zone = resolve_tz(args.tz)
        now = parse_now(args.now) if args.now is not None else None
    except ValueError as exc:
        usage_error(args, str(exc))
    check_output(args.output, inputs=[("input", args.input)], force=args.force)
    if args.aggregates is not None:
        check_output(
            args.aggregates,
            inputs=[("input", args.input), ("output", args.output)],
            force=args.force,
            what="aggregates",
        )
    result = run_anonymise(
        console,
        args.input,
        args.output,
        aggregates=args.aggregates,
        now=now,
        months=args.months,
        timestamp=args.timestamp,
        keep=args.keep,
        identity=args.identity,
        resolution=None if args.resolution == "none" else args.resolution,
        tz=zone,
        k=args.min_group_size,
        timestamp_unit=args.timestamp_unit,
        allow_unreadable=args.allow_unreadable,
        allow_future=args.allow_future,
        force=args.force,
        encoding=args.encoding,
        delimiter=args.delimiter,
        sheet=args.sheet,
        format=args.format,
    )
    console.show(result.report, as_json=args.json)
    return 0

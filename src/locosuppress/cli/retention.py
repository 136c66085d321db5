"""``locosuppress retention``: apply the retention schedule to exported tables, once a month.

The tables come as mailing files (CSV or ``.xlsx``, every value text). Date
columns are read as ``anonymise`` reads times (ISO 8601 or day-first Dutch
Excel dates; what reads as neither is missing: past its period, fail closed,
and counted). Remaining rows are written to ``OUTDIR/NAME`` with the input's
format, mode 0600, atomically and never over an existing file; a kept row is
written exactly as it was read. With ``--manifest``, the files of the jobs
past their period are swept first (their folder is the manifest's folder).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import shutil
from pathlib import Path
from typing import Any

import pandas as pd

from locosuppress import _fs
from locosuppress.cli._console import Console
from locosuppress.cli._files import CommandError
from locosuppress.cli._options import Shared, command_parser, usage_error
from locosuppress.cli._times import format_times, parse_now, parse_times, resolve_tz
from locosuppress.errors import RetentionCoverageError
from locosuppress.io import read_mailing_file, write_mailing_file
from locosuppress.retention import LOCOMAIL, RetentionPolicy, RetentionResult, SweepReport

__all__ = ["PRESETS", "register", "retention", "run_retention"]

#: The presets ``--preset`` knows.
PRESETS: dict[str, RetentionPolicy] = {"locomail": LOCOMAIL}


def register(subparsers: Any, shared: Shared) -> dict[tuple[str, ...], argparse.ArgumentParser]:
    """Add ``retention``."""
    parser = command_parser(
        subparsers,
        "retention",
        "apply the retention schedule: delete and anonymise what is past its period",
        """
        locosuppress retention --preset locomail --print > bewaartermijnen.toml
        locosuppress retention bewaartermijnen.toml --table requests=aanvragen.csv \\
            --table purchases=aankopen.csv --table customers=klanten.csv \\
            --table messages=mailbox.csv --table events=events.csv \\
            --manifest jobs/manifest.csv -o schoon/ --dry-run
        locosuppress retention bewaartermijnen.toml --table ... -o schoon/ --json

        Each rule's table must be given (NAME is the policy's table name). Rows no
        rule governs make the command fail (exit 1) unless --keep-ungoverned.
        The manifest's paths are taken from the manifest's folder and never lead
        out of it; --dry-run lists what would go and writes and deletes nothing.
        """,
        parents=[shared.common, shared.as_json, shared.reading],
    )
    parser.add_argument(
        "policy", type=Path, nargs="?", metavar="POLICY", help="the policy file (TOML)"
    )
    parser.add_argument(
        "--preset", choices=sorted(PRESETS), help="a built-in policy instead of a file"
    )
    parser.add_argument(
        "--print", action="store_true", help="print the policy as TOML and stop (to edit it)"
    )
    parser.add_argument(
        "--table",
        action="append",
        default=[],
        metavar="NAME=FILE",
        help="a table of the policy and its file (repeat for each table)",
    )
    parser.add_argument(
        "--manifest",
        type=Path,
        metavar="FILE",
        help="the jobs' manifest (path and date per job): its files are swept",
    )
    parser.add_argument(
        "-o", "--output", type=Path, metavar="OUTDIR", help="the folder for the remaining tables"
    )
    parser.add_argument(
        "--now",
        metavar="ISO",
        help="the reference time (default: now); without offset a wall time in --tz",
    )
    parser.add_argument(
        "--tz",
        default="Europe/Amsterdam",
        metavar="ZONE",
        help="time zone of the wall clock (default: Europe/Amsterdam)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="report only: write nothing, delete nothing"
    )
    parser.add_argument(
        "--keep-ungoverned",
        action="store_true",
        help="keep rows no rule governs (reported) instead of failing",
    )
    parser.add_argument(
        "--allow-unreadable",
        action="store_true",
        help="treat a date column that mostly does not read as past its period "
        "(default: fail, since the column was most likely read the wrong way)",
    )
    parser.set_defaults(handler=retention)
    return {("retention",): parser}


def _policy(args: argparse.Namespace) -> RetentionPolicy:
    if (args.policy is None) == (args.preset is None):
        usage_error(args, "give a POLICY file or --preset (one of them)")
    if args.preset is not None:
        return PRESETS[args.preset]
    return RetentionPolicy.from_toml(args.policy)


def _table_files(args: argparse.Namespace) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for item in args.table:
        name, sep, file = item.partition("=")
        if not sep or not name.strip() or not file.strip():
            usage_error(args, f"--table takes NAME=FILE, not {item!r}")
        if name in found:
            usage_error(args, f"table {name!r} is given twice")
        found[name] = Path(file)
    return found


def _manifest_table(policy: RetentionPolicy) -> str:
    tables = sorted({rule.table for rule in policy.rules if rule.path_column is not None})
    if len(tables) != 1:
        raise CommandError(
            "--manifest needs exactly one table whose rule names a path_column in the policy; "
            f"found {len(tables)}"
        )
    return tables[0]


def _outputs(files: dict[str, Path], folder: Path) -> dict[str, Path]:
    """OUTDIR/NAME with each input's suffix; refuse any that exists."""
    targets = {
        name: folder / f"{name}{file.suffix.lower() or '.csv'}" for name, file in files.items()
    }
    for target in targets.values():
        if os.path.lexists(target):
            raise CommandError(
                f"{target} exists; choose an empty folder for -o (outputs are never overwritten)"
            )
    return targets


def _read(
    console: Console,
    files: dict[str, Path],
    policy: RetentionPolicy,
    zone: dt.tzinfo,
    **reading: Any,
) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    """Each file as read (text), and as the policy sees it (date columns parsed)."""
    texts: dict[str, pd.DataFrame] = {}
    work: dict[str, pd.DataFrame] = {}
    for name, file in files.items():
        with console.progress.step(f"Reading {file.name}"):
            frame = read_mailing_file(file, **reading)
        parsed = frame.copy()
        for rule in policy.rules:
            column = rule.date_column
            if rule.table == name and column in frame.columns:
                parsed[column] = parse_times(frame[column], zone)
        texts[name] = frame
        work[name] = parsed
    return texts, work


def _as_read(
    result: RetentionResult, name: str, text: pd.DataFrame, dates: set[str]
) -> pd.DataFrame:
    """The remaining rows: kept rows exactly as read, anonymised ones with ISO 8601 dates."""
    out = result.tables[name].copy()
    treated = result.anonymised[name]
    for column in dates & set(out.columns):
        restored = text[column].reindex(out.index).astype(object)
        if len(treated):
            restored.loc[treated] = format_times(out.loc[treated, column]).to_numpy(dtype=object)
        out[column] = restored
    out.attrs = dict(text.attrs)
    return out


def _write(console: Console, frame: pd.DataFrame, target: Path) -> None:
    """Write one table: staged in a private folder, then put in place with mode 0600."""
    staging = target.parent / f".locosuppress-{secrets.token_hex(8)}"
    staging.mkdir(mode=0o700)
    try:
        staged = staging / target.name
        with console.progress.step(f"Writing {target.name}"):
            write_mailing_file(frame, staged)
            staged.chmod(0o600)
            with _fs.new_file(
                target, mode=0o600, prefix=".locosuppress", exists=f"{target} exists"
            ) as temporary:
                os.replace(staged, temporary)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


class _Reports:
    """The sweep's report (if any) and the run's, shown together (one JSON document)."""

    def __init__(self, sweep: SweepReport | None, report: Any) -> None:
        self.sweep = sweep
        self.report = report

    def to_dict(self) -> dict[str, Any]:
        return {
            "sweep": None if self.sweep is None else self.sweep.to_dict(),
            "retention": None if self.report is None else self.report.to_dict(),
        }

    def __str__(self) -> str:
        shown = [str(part) for part in (self.sweep, self.report) if part is not None]
        return "\n\n".join(shown)


def run_retention(
    console: Console,
    policy: RetentionPolicy,
    files: dict[str, Path],
    output: Path | None,
    *,
    manifest: Path | None = None,
    now: pd.Timestamp | None = None,
    tz: dt.tzinfo,
    dry_run: bool = False,
    keep_ungoverned: bool = False,
    allow_unreadable: bool = False,
    as_json: bool = False,
    reading: dict[str, Any] | None = None,
) -> int:
    """Sweep, apply, write; print the reports. Returns the exit status."""
    files = dict(files)
    if manifest is not None:
        if _manifest_table(policy) in files:
            raise CommandError(
                f"table {_manifest_table(policy)!r} is the manifest: give it once, with --manifest"
            )
        files[_manifest_table(policy)] = manifest
    targets: dict[str, Path] = {}
    if not dry_run:
        assert output is not None
        output.mkdir(mode=0o700, exist_ok=True)
        targets = _outputs(files, output)
    texts, work = _read(console, files, policy, tz, **(reading or {}))
    sweep: SweepReport | None = None
    if manifest is not None:
        with console.progress.step("Sweeping the jobs' files"):
            sweep = policy.sweep(
                work[_manifest_table(policy)],
                root=manifest.absolute().parent,
                now=now,
                tz=tz,
                dry_run=dry_run,
                allow_unreadable=allow_unreadable,
            )
        if not dry_run and not sweep.ok:
            console.show(_Reports(sweep, None), as_json=as_json)
            raise CommandError(
                "some jobs' files could not be deleted or were refused (see the sweep report); "
                "fix them and run again: no table was written"
            )
    with console.progress.step("Applying the policy"):
        try:
            result = policy.apply(
                work,
                now=now,
                tz=tz,
                ungoverned="keep" if keep_ungoverned else "error",
                allow_unreadable=allow_unreadable,
            )
        except RetentionCoverageError as error:
            console.show(_Reports(sweep, error.report), as_json=as_json)
            raise
    console.show(_Reports(sweep, result.report), as_json=as_json)
    for name, target in targets.items():
        dates = {rule.date_column for rule in policy.rules if rule.table == name}
        _write(console, _as_read(result, name, texts[name], dates), target)
    return 0


def retention(args: argparse.Namespace, console: Console) -> int:
    """``retention POLICY --table NAME=FILE ... -o OUTDIR``, or ``--print`` the policy."""
    policy = _policy(args)
    if args.print:
        console.out.write(policy.to_toml())
        console.out.flush()
        return 0
    files = _table_files(args)
    if not files and args.manifest is None:
        usage_error(args, "give the tables with --table NAME=FILE (or --print the policy)")
    if args.output is None and not args.dry_run:
        usage_error(args, "give -o OUTDIR for the remaining tables (or --dry-run)")
    try:
        zone = resolve_tz(args.tz)
        now = parse_now(args.now) if args.now is not None else None
    except ValueError as exc:
        usage_error(args, str(exc))
    missing = [r for r in policy.rules if r.table not in files and r.path_column is None]
    missing += [
        r
        for r in policy.rules
        if r.path_column is not None and args.manifest is None and r.table not in files
    ]
    if missing:
        rule = missing[0]
        hint = "--manifest FILE" if rule.path_column is not None else f"--table {rule.table}=FILE"
        raise CommandError(f"rule {rule.name!r} governs table {rule.table!r}: pass {hint}")
    reading: dict[str, Any] = {
        "encoding": args.encoding,
        "delimiter": args.delimiter,
        "sheet": args.sheet,
    }
    return run_retention(
        console,
        policy,
        files,
        args.output,
        manifest=args.manifest,
        now=now,
        tz=zone,
        dry_run=args.dry_run,
        keep_ungoverned=args.keep_ungoverned,
        allow_unreadable=args.allow_unreadable,
        as_json=args.json,
        reading=reading,
    )

"""What each ``locosuppress`` subcommand does, once its arguments are parsed.

Every handler takes the parsed arguments and a :class:`Console` and returns
the exit status; failures are raised (:class:`CommandError` or a
``LocosuppressError``) and turned into one line on standard error by
:func:`locosuppress.cli.main`. Nothing here prints an address.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any, Final, NoReturn, TextIO

import pandas as pd

from locosuppress._cli_files import CommandError, check_output, load_key, write_json
from locosuppress._cli_progress import Progress
from locosuppress._cli_times import format_times, parse_now, parse_times, resolve_tz
from locosuppress._compat import WORKERS_GONE
from locosuppress.errors import SchemaError
from locosuppress.events import AnonymisationResult, anonymise_events
from locosuppress.filtering import FilterResult, find_address_column
from locosuppress.io import read_mailing_file, write_mailing_file
from locosuppress.keys import SuppressionKey
from locosuppress.normalize import normalize_domain
from locosuppress.store import REASONS, SuppressionList
from locosuppress.store import REMOVE_REASONS as _REMOVE_REASONS

__all__ = [
    "ADD_REASONS",
    "REMOVE_REASONS",
    "Console",
    "add",
    "add_domain",
    "anonymise",
    "audit",
    "backup",
    "demo",
    "export",
    "filter_file",
    "init",
    "key_fingerprint",
    "key_new",
    "merge",
    "remove",
    "remove_domain",
    "stats",
    "verify",
]

#: Reasons ``add``, ``add-domain`` and ``merge`` accept.
ADD_REASONS: Final = tuple(REASONS)
#: Reasons ``remove`` and ``remove-domain`` accept.
REMOVE_REASONS: Final = tuple(_REMOVE_REASONS)
_MAX_SOURCE: Final = 200


class Console:
    """Where a command writes: reports to ``out``, progress to ``err``, input from ``stdin``."""

    def __init__(
        self, out: TextIO, err: TextIO, stdin: TextIO, progress: Progress | None = None
    ) -> None:
        self.out = out
        self.err = err
        self.stdin = stdin
        self.progress = progress if progress is not None else Progress(err)

    def say(self, text: str = "") -> None:
        """Print a line of the command's output."""
        self.out.write(text + "\n")
        self.out.flush()

    def show(self, report: Any, *, as_json: bool) -> None:
        """Print a report: its aligned text, or ``to_dict()`` as JSON."""
        if as_json:
            self.say(json.dumps(report.to_dict(), indent=2, ensure_ascii=False, default=str))
        else:
            self.say(str(report))

    def read_stdin_lines(self) -> list[str]:
        """Standard input as stripped, non-blank lines (UTF-8, else Windows-1252)."""
        raw = getattr(self.stdin, "buffer", None)
        if raw is None:
            text = self.stdin.read()
        else:
            data = raw.read()
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = data.decode("cp1252", errors="replace")
        return [line.strip() for line in text.splitlines() if line.strip()]


def _usage(args: argparse.Namespace, message: str) -> NoReturn:
    """Report wrong usage the argparse way (exit status 2)."""
    parser: argparse.ArgumentParser = args.parser
    parser.error(message)


def _open(args: argparse.Namespace, *, read_only: bool = False) -> SuppressionList:
    """Open the existing list of ``args.list`` with the key (never creates one)."""
    key = load_key(args.key_file)
    path: Path = args.list
    if not path.exists():
        raise CommandError(
            f"no suppression list at {path}; check the path, or create one with "
            "`locosuppress init LIST`"
        )
    return SuppressionList.open(path, key, create=False, read_only=read_only)


def _file_label(path: Path) -> str | None:
    """The file name as an audit-log source label, when it can be one."""
    name = path.name
    if name and len(name) <= _MAX_SOURCE and "@" not in name and name.isprintable():
        return name
    return None


# -- key and list ---------------------------------------------------------------------------


def key_new(args: argparse.Namespace, console: Console) -> int:
    """``key new PATH``: a new key file, mode 0600, never overwriting."""
    path: Path = args.path
    key = SuppressionKey.generate()
    key.save(path)
    console.say(f"Created the key file {path} (mode 0600), fingerprint {key.fingerprint}.")
    console.say("Keep it secret, apart from the list, and backed up: a list is useless without it.")
    console.say(f'Use it with --key-file {path}, or: export LOCOSUPPRESS_KEY="$(cat {path})"')
    return 0


def key_fingerprint(args: argparse.Namespace, console: Console) -> int:
    """``key fingerprint``: the public fingerprint of the key in use."""
    console.say(load_key(args.key_file).fingerprint)
    return 0


def init(args: argparse.Namespace, console: Console) -> int:
    """``init LIST``: create an empty list for the key."""
    path: Path = args.list
    key = load_key(args.key_file)
    if path.exists() or path.is_symlink():
        raise CommandError(f"{path} exists; a list is never overwritten. Choose another path.")
    with SuppressionList.open(path, key, create=True):
        pass
    console.say(
        f"Created the suppression list {path} for the key with fingerprint {key.fingerprint}."
    )
    return 0


# -- adding and removing --------------------------------------------------------------------


def _addresses(
    args: argparse.Namespace, console: Console
) -> tuple[Sequence[object] | pd.Series, str | None]:
    """The inputs of ``add`` and their default source label."""
    given: list[str] = args.addresses
    if given and args.from_file is not None:
        _usage(args, "give addresses as arguments or with --from FILE, not both")
    if args.column is not None and args.from_file is None:
        _usage(args, "--column applies to --from FILE")
    if args.from_file is not None:
        path: Path = args.from_file
        with console.progress.step(f"Reading {path.name}"):
            frame = read_mailing_file(
                path, encoding=args.encoding, delimiter=args.delimiter, sheet=args.sheet
            )
        column: Hashable = _address_column(frame, args.column)
        return frame[column], _file_label(path)
    if given == ["-"] or (not given and not _isatty(console.stdin)):
        return console.read_stdin_lines(), None
    if not given:
        _usage(args, "give addresses as arguments, with --from FILE, or on standard input")
    return given, None


def _address_column(frame: pd.DataFrame, column: str | None) -> Hashable:
    """The address column, with the command line's advice when there is none."""
    try:
        return find_address_column(frame, column)
    except SchemaError as exc:
        raise SchemaError(_cli_advice(str(exc))) from None


def _cli_advice(message: str) -> str:
    """Library advice in command-line words (``column=...`` is ``--column NAME`` here)."""
    return message.replace("column=...", "--column NAME")


def _isatty(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _note_workers(args: argparse.Namespace, console: Console) -> None:
    """The deprecated ``--workers``: accepted for one release, with a note on stderr."""
    if args.workers is not None:
        print(f"note: --workers is deprecated and ignored; {WORKERS_GONE}", file=console.err)


def add(args: argparse.Namespace, console: Console) -> int:
    """``add LIST [ADDRESS ...]``: suppress addresses; print the AddReport."""
    _note_workers(args, console)
    values, label = _addresses(args, console)
    if len(values) == 0:
        where = "the file" if args.from_file is not None else "standard input"
        raise CommandError(f"no addresses to add: {where} holds none")
    source = args.source if args.source is not None else label
    with _open(args) as lst, console.progress.step("Adding"):
        report = lst.add_many(
            values, scope=args.scope, reason=args.reason, source=source
        )
    console.show(report, as_json=args.json)
    if report.invalid and not args.allow_invalid:
        raise CommandError(
            f"{report.invalid:,} of {report.total:,} inputs are not e-mail addresses and were not "
            "stored (the others were); correct them, or pass --allow-invalid"
        )
    return 0


def add_domain(args: argparse.Namespace, console: Console) -> int:
    """``add-domain LIST DOMAIN``: suppress a whole domain."""
    domain = normalize_domain(args.domain)
    with _open(args) as lst:
        new = lst.add_domain(domain, scope=args.scope, reason=args.reason, source=args.source)
    if new:
        console.say(
            f"Suppressed every address at {domain} (scope {args.scope}, reason {args.reason})."
        )
    else:
        console.say(f"{domain} was already suppressed for scope {args.scope}; nothing changed.")
    return 0


def _one_address(args: argparse.Namespace, console: Console) -> str:
    if args.address != "-":
        address: str = args.address
        return address
    lines = console.read_stdin_lines()
    if len(lines) != 1:
        _usage(args, f"expected one address on standard input, found {len(lines)} lines")
    return lines[0]


def remove(args: argparse.Namespace, console: Console) -> int:
    """``remove LIST ADDRESS --reason R``: lift one address's suppression."""
    address = _one_address(args, console)
    where = f"scope {args.scope}" if args.scope else "every scope"
    with _open(args) as lst:
        removed = lst.remove(address, scope=args.scope, reason=args.reason)
        still = lst.is_suppressed(address)
    if removed:
        console.say(f"Removed the address from the list ({where}; reason {args.reason}).")
    else:
        console.say(f"The address was not on the list ({where}); nothing was removed.")
    if still:
        console.say("Note: it is still suppressed (another scope, or an entry for its domain).")
    return 0


def remove_domain(args: argparse.Namespace, console: Console) -> int:
    """``remove-domain LIST DOMAIN --reason R``: lift a domain's suppression."""
    domain = normalize_domain(args.domain)
    where = f"scope {args.scope}" if args.scope else "every scope"
    with _open(args) as lst:
        removed = lst.remove_domain(domain, scope=args.scope, reason=args.reason)
    if removed:
        console.say(f"Removed the domain {domain} from the list ({where}; reason {args.reason}).")
    else:
        console.say(f"The domain {domain} was not on the list ({where}); nothing was removed.")
    return 0


# -- filtering and anonymising --------------------------------------------------------------


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
) -> FilterResult:
    """Read ``source``, filter it against ``lst``, write the kept rows to ``output``."""
    with console.progress.step(f"Reading {source.name}"):
        frame = read_mailing_file(source, encoding=encoding, delimiter=delimiter, sheet=sheet)
    label = _address_column(frame, column)
    with console.progress.step("Filtering"):
        result = lst.filter(
            frame,
            column=label,
            channel=channel,
            on_invalid="keep" if keep_invalid else "exclude",
            dedupe=dedupe,
        )
    with console.progress.step(f"Writing {output.name}"):
        write_mailing_file(result.kept, output, overwrite=force)
    return result


def filter_file(args: argparse.Namespace, console: Console) -> int:
    """``filter LIST INPUT -o OUTPUT``: write the rows that may be mailed; print the report."""
    protected = [("input", args.input), ("list", args.list), ("key", args.key_file)]
    check_output(args.output, inputs=protected, force=args.force)
    _note_workers(args, console)
    if args.report is not None:
        check_output(
            args.report,
            inputs=[*protected, ("output", args.output)],
            force=args.force,
            what="report",
        )
    with _open(args, read_only=args.read_only) as lst:
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
        )
    if args.report is not None:
        write_json(result.report.to_dict(), args.report, force=args.force)
    console.show(result.report, as_json=args.json)
    return 0


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
    force: bool = False,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: int | str | None = None,
) -> AnonymisationResult:
    """Read an events file, anonymise the old rows, write it (and the aggregates) back."""
    zone = tz if tz is not None else dt.UTC
    with console.progress.step(f"Reading {source.name}"):
        frame = read_mailing_file(source, encoding=encoding, delimiter=delimiter, sheet=sheet)
    if timestamp not in frame.columns:
        raise CommandError(
            f"{source} has no column named {timestamp!r}; name the time column with --timestamp"
        )
    with console.progress.step("Anonymising"):
        events = _blank_to_missing(frame)
        times, _ = parse_times(events[timestamp], zone)
        events[timestamp] = times
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


def anonymise(args: argparse.Namespace, console: Console) -> int:
    """``anonymise INPUT -o OUTPUT``: anonymise old events; print the report."""
    try:
        zone = resolve_tz(args.tz)
        now = parse_now(args.now) if args.now is not None else None
    except ValueError as exc:
        _usage(args, str(exc))
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
        force=args.force,
        encoding=args.encoding,
        delimiter=args.delimiter,
        sheet=args.sheet,
    )
    console.show(result.report, as_json=args.json)
    return 0


# -- looking after the list -----------------------------------------------------------------


def stats(args: argparse.Namespace, console: Console) -> int:
    """``stats LIST``: counts by scope, reason and month."""
    with _open(args, read_only=True) as lst:
        report = lst.stats()
    console.show(report, as_json=args.json)
    return 0


def audit(args: argparse.Namespace, console: Console) -> int:
    """``audit LIST``: the audit log as a table (or JSON records)."""
    with _open(args, read_only=True) as lst:
        log = lst.audit()
    if args.last is not None:
        log = log.tail(args.last)
    log = log.copy()
    log["time"] = log["time"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    present = log.notna()
    if args.json:
        records = log.astype(object).where(present, None).to_dict(orient="records")
        console.say(json.dumps(records, indent=2, ensure_ascii=False, default=str))
    elif log.empty:
        console.say("The audit log is empty.")
    else:
        console.say(log.astype(object).where(present, "-").to_string(index=False))
    return 0


def verify(args: argparse.Namespace, console: Console) -> int:
    """``verify LIST``: check the file; exit status 1 when it has problems."""
    with _open(args, read_only=True) as lst:
        report = lst.verify(quick=args.quick)
    console.show(report, as_json=args.json)
    if not report.ok:
        raise CommandError(
            f"{args.list} failed verification ({len(report.problems)} problem(s)); "
            "restore the last good backup (see docs/operations.md)"
        )
    return 0


def backup(args: argparse.Namespace, console: Console) -> int:
    """``backup LIST DEST``: a consistent copy, never overwriting."""
    with _open(args, read_only=args.read_only) as lst:
        path = lst.backup(args.dest)
        entries = lst.stats().entries
    console.say(
        f"Backed up {args.list} to {path}: {entries:,} entries, key fingerprint {lst.fingerprint}."
    )
    console.say("The backup is useless without the key: keep the key apart from it.")
    return 0


def export(args: argparse.Namespace, console: Console) -> int:
    """``export LIST FILE``: the portable hash file for a processor with the same key."""
    with _open(args, read_only=args.read_only) as lst:
        report = lst.export(args.file, channel=args.channel)
    console.show(report, as_json=args.json)
    return 0


def merge(args: argparse.Namespace, console: Console) -> int:
    """``merge LIST FILE``: add every entry of an export made with the same key."""
    with _open(args) as lst:
        report = lst.merge(args.file, reason=args.reason, source=args.source)
    console.show(report, as_json=args.json)
    return 0


# -- demo -----------------------------------------------------------------------------------

_DEMO_FILES: Final = (
    "unsubscribes.csv",
    "import.csv",
    "events.csv",
    "demo.key",
    "suppression.db",
    "import-clean.csv",
    "filter-report.json",
    "events-anonymised.csv",
    "event-aggregates.csv",
)


def demo(args: argparse.Namespace, console: Console) -> int:
    """``demo``: the whole job on generated sample data, both reports printed."""
    from locosuppress.demo import DEMO_TZ, make_demo_data

    try:
        now = parse_now(args.now) if args.now is not None else None
    except ValueError as exc:
        _usage(args, str(exc))
    if args.dir is None:
        folder = Path(tempfile.mkdtemp(prefix="locosuppress-demo-"))
    else:
        folder = args.dir
        folder.mkdir(parents=True, exist_ok=True)
        taken = [name for name in _DEMO_FILES if (folder / name).exists()]
        if taken:
            raise CommandError(
                f"{folder} already holds demo files ({', '.join(taken)}); choose another --dir"
            )
    say = console.say
    say(f"locosuppress demo in {folder}")
    say("(sample data: every address is made up, at example domains)")
    say()
    with console.progress.step("Generating sample data"):
        data = make_demo_data(folder, rows=args.rows, seed=args.seed, now=now)

    key_path = folder / "demo.key"
    key = SuppressionKey.generate()
    key.save(key_path)
    list_path = folder / "suppression.db"
    with SuppressionList.open(list_path, key) as lst:
        with console.progress.step("Building the suppression list"):
            unsubscribes = read_mailing_file(data.unsubscribes)
            for (scope, reason), group in unsubscribes.groupby(["scope", "reason"], sort=True):
                lst.add_many(
                    group["email"], scope=str(scope), reason=str(reason), source="demo unsubscribes"
                )
            lst.add_domain(data.suppressed_domain, reason="complaint", source="demo")
            listed = lst.stats()
        say("1. A key and a suppression list")
        say(f"   demo.key        the secret key, fingerprint {key.fingerprint}")
        say(
            f"   suppression.db  {listed.emails:,} addresses and {listed.domains:,} domain, "
            "as keyed hashes only"
        )
        say()
        say(
            f"2. Filter {data.mailing.name} ({data.rows:,} rows, ';'-separated Windows-1252) "
            "for the newsletter -> import-clean.csv"
        )
        result = run_filter(
            console, lst, data.mailing, folder / "import-clean.csv", channel="newsletter"
        )
    write_json(result.report.to_dict(), folder / "filter-report.json", force=False)
    say()
    say(str(result.report))
    say()
    start = (data.now - pd.DateOffset(months=18)).date().isoformat()
    say(
        f"3. Anonymise {data.events.name} (opens and clicks from {start} to "
        f"{data.now.date().isoformat()}), timestamps floored to the month\n"
        "   -> events-anonymised.csv, event-aggregates.csv"
    )
    anonymised = run_anonymise(
        console,
        data.events,
        folder / "events-anonymised.csv",
        aggregates=folder / "event-aggregates.csv",
        now=data.now,
        tz=resolve_tz(DEMO_TZ),
        resolution="month",
    )
    say()
    say(str(anonymised.report))
    say()
    say("Now try it yourself:")
    say(f"  cd {folder}")
    say('  export LOCOSUPPRESS_KEY="$(cat demo.key)"')
    say("  locosuppress filter suppression.db import.csv -o mine.csv --channel post")
    say(f"  locosuppress anonymise events.csv -o mine-events.csv --tz {DEMO_TZ} --months 6")
    say("  locosuppress stats suppression.db")
    return 0

"""``locosuppress demo``: the whole job on sample data it generates."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any, Final

import pandas as pd

from locosuppress.cli._console import Console
from locosuppress.cli._files import CommandError, write_json
from locosuppress.cli._options import Shared, command_parser, positive, usage_error
from locosuppress.cli._times import parse_now, resolve_tz
from locosuppress.cli.anonymise import run_anonymise
from locosuppress.cli.filter import run_filter
from locosuppress.demo import DEMO_TZ, make_demo_data
from locosuppress.io import read_mailing_file
from locosuppress.keys import SuppressionKey
from locosuppress.store import SuppressionList

__all__ = ["demo", "register"]

#: The files ``demo`` writes; it refuses a ``--dir`` that holds any of them.
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


def register(subparsers: Any, shared: Shared) -> dict[tuple[str, ...], argparse.ArgumentParser]:
    """Add ``demo``."""
    parser = command_parser(
        subparsers,
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
        parents=[shared.common],
    )
    parser.add_argument(
        "--dir",
        type=Path,
        metavar="DIR",
        help="where to put the files (default: a new temporary folder)",
    )
    parser.add_argument(
        "--rows",
        type=positive,
        default=2_000,
        help="rows in the import, and about as many events (default: 2000)",
    )
    parser.add_argument("--seed", type=int, default=2024, help="random seed (default: 2024)")
    parser.add_argument("--now", metavar="ISO", help="when the events end (default: now)")
    parser.set_defaults(handler=demo)
    return {("demo",): parser}


def _folder(args: argparse.Namespace) -> Path:
    """``--dir`` (made if missing, refused if it holds demo files), else a new temporary folder."""
    if args.dir is None:
        return Path(tempfile.mkdtemp(prefix="locosuppress-demo-"))
    folder: Path = args.dir
    folder.mkdir(parents=True, exist_ok=True)
    taken = [name for name in _DEMO_FILES if (folder / name).exists()]
    if taken:
        raise CommandError(
            f"{folder} already holds demo files ({', '.join(taken)}); choose another --dir"
        )
    return folder


def demo(args: argparse.Namespace, console: Console) -> int:
    """``demo``: the whole job on generated sample data, both reports printed."""
    try:
        now = parse_now(args.now) if args.now is not None else None
    except ValueError as exc:
        usage_error(args, str(exc))
    folder = _folder(args)
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

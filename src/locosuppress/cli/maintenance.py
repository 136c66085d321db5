"""``locosuppress stats|audit|verify|backup|export|merge|copy``: look after a list."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from locosuppress.cli._console import Console
from locosuppress.cli._files import CommandError, check_output, list_files, open_list
from locosuppress.cli._options import (
    ADD_REASONS,
    CHANNEL_CHOICES,
    Shared,
    command_parser,
    list_location,
    positive,
    source_label,
)

__all__ = ["audit", "backup", "copy", "export", "merge", "register", "stats", "verify"]


def register(subparsers: Any, shared: Shared) -> dict[tuple[str, ...], argparse.ArgumentParser]:
    """Add ``stats``, ``audit``, ``verify``, ``backup``, ``export``, ``merge`` and ``copy``."""
    common, keyed, as_json = shared.common, shared.keyed, shared.as_json
    stats_ = command_parser(
        subparsers,
        "stats",
        "show counts by scope, reason and month",
        """
        locosuppress stats suppression.db
        locosuppress stats suppression.db --json
        """,
        parents=[common, keyed, as_json],
    )
    stats_.add_argument(
        "list",
        type=list_location,
        metavar="LIST",
        help="the suppression list (a file, or a postgresql:// URL)",
    )
    stats_.set_defaults(handler=stats)

    audit_ = command_parser(
        subparsers,
        "audit",
        "show the audit log (counts and times, never addresses)",
        """
        locosuppress audit suppression.db --last 20
        locosuppress audit suppression.db --json > audit.json
        """,
        parents=[common, keyed, as_json],
    )
    audit_.add_argument(
        "list",
        type=list_location,
        metavar="LIST",
        help="the suppression list (a file, or a postgresql:// URL)",
    )
    audit_.add_argument("--last", type=positive, metavar="N", help="only the last N rows")
    audit_.set_defaults(handler=audit)

    verify_ = command_parser(
        subparsers,
        "verify",
        "check the list file; exit status 1 when it has problems",
        """
        locosuppress verify suppression.db || echo "restore the last backup" >&2
        locosuppress verify suppression.db --quick
        """,
        parents=[common, keyed, as_json],
    )
    verify_.add_argument(
        "list",
        type=list_location,
        metavar="LIST",
        help="the suppression list (a file, or a postgresql:// URL)",
    )
    verify_.add_argument(
        "--quick", action="store_true", help="SQLite's quick_check instead of the full check"
    )
    verify_.set_defaults(handler=verify)

    backup_ = command_parser(
        subparsers,
        "backup",
        "write a consistent copy of the list (never overwriting)",
        """
        locosuppress backup suppression.db backups/suppression-$(date +%F).db
        """,
        parents=[common, keyed, shared.read_only],
    )
    backup_.add_argument(
        "list",
        type=list_location,
        metavar="LIST",
        help="the suppression list (a file, or a postgresql:// URL)",
    )
    backup_.add_argument("dest", type=Path, metavar="DEST", help="the new backup file")
    backup_.set_defaults(handler=backup)

    export_ = command_parser(
        subparsers,
        "export",
        "write the portable hash file for a processor with the same key",
        """
        locosuppress export suppression.db voor-verwerker.txt --channel newsletter
        """,
        parents=[common, keyed, as_json, shared.read_only],
    )
    export_.add_argument(
        "list",
        type=list_location,
        metavar="LIST",
        help="the suppression list (a file, or a postgresql:// URL)",
    )
    export_.add_argument("file", type=Path, metavar="FILE", help="the new export file")
    export_.add_argument(
        "--channel",
        choices=CHANNEL_CHOICES,
        help="only the entries that block this channel (default: every entry)",
    )
    export_.set_defaults(handler=export)

    merge_ = command_parser(
        subparsers,
        "merge",
        "add every entry of an export file made with the same key",
        """
        locosuppress merge suppression.db van-verwerker.txt --source "verwerker X"
        """,
        parents=[common, keyed, as_json],
    )
    merge_.add_argument(
        "list",
        type=list_location,
        metavar="LIST",
        help="the suppression list (a file, or a postgresql:// URL)",
    )
    merge_.add_argument("file", type=Path, metavar="FILE", help="the export file")
    merge_.add_argument(
        "--reason",
        choices=ADD_REASONS,
        default="import",
        help="the reason recorded for new entries (default: import)",
    )
    merge_.add_argument(
        "--source", type=source_label, metavar="LABEL", help="a label for the audit log"
    )
    merge_.set_defaults(handler=merge)
    copy_ = command_parser(
        subparsers,
        "copy",
        "copy a whole list into a new or empty list (a file or PostgreSQL, either way)",
        """
        locosuppress copy suppression.db "postgresql://mailer@db.example.nl/mail"
        locosuppress copy "postgresql://mailer@db.example.nl/mail" restored.db
        """,
        parents=[common, keyed, as_json],
    )
    copy_.add_argument("source", type=list_location, metavar="SOURCE", help="the list to copy")
    copy_.add_argument(
        "target",
        type=list_location,
        metavar="TARGET",
        help="the new or empty list (same key); a list with entries is refused",
    )
    copy_.set_defaults(handler=copy)

    return {
        ("stats",): stats_,
        ("audit",): audit_,
        ("verify",): verify_,
        ("backup",): backup_,
        ("export",): export_,
        ("merge",): merge_,
        ("copy",): copy_,
    }


def stats(args: argparse.Namespace, console: Console) -> int:
    """``stats LIST``: counts by scope, reason and month."""
    with open_list(args.list, args.key_file, read_only=True) as lst:
        report = lst.stats()
    console.show(report, as_json=args.json)
    return 0


def audit(args: argparse.Namespace, console: Console) -> int:
    """``audit LIST``: the audit log as a table (or JSON records)."""
    with open_list(args.list, args.key_file, read_only=True) as lst:
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
    with open_list(args.list, args.key_file, read_only=True) as lst:
        report = lst.verify(quick=args.quick)
        shown = lst.location
    console.show(report, as_json=args.json)
    if not report.ok:
        raise CommandError(
            f"{shown} failed verification ({len(report.problems)} problem(s)); "
            "restore the last good backup (see docs/operations.md)"
        )
    return 0


def _check_new_file(args: argparse.Namespace, path: Path, what: str) -> None:
    """Refuse a new file named like the list's own files or the key (the list refuses the rest)."""
    protected = [*list_files(args.list), ("key", args.key_file)]
    check_output(path, inputs=protected, force=True, what=what)


def backup(args: argparse.Namespace, console: Console) -> int:
    """``backup LIST DEST``: a consistent copy, never overwriting."""
    _check_new_file(args, args.dest, "backup")
    with open_list(args.list, args.key_file, read_only=args.read_only) as lst:
        path = lst.backup(args.dest)
        entries = lst.stats().entries
    console.say(
        f"Backed up {lst.location} to {path}: {entries:,} entries, "
        f"key fingerprint {lst.fingerprint}."
    )
    console.say("The backup is useless without the key: keep the key apart from it.")
    return 0


def export(args: argparse.Namespace, console: Console) -> int:
    """``export LIST FILE``: the portable hash file for a processor with the same key."""
    _check_new_file(args, args.file, "export")
    with open_list(args.list, args.key_file, read_only=args.read_only) as lst:
        report = lst.export(args.file, channel=args.channel)
    console.show(report, as_json=args.json)
    return 0


def merge(args: argparse.Namespace, console: Console) -> int:
    """``merge LIST FILE``: add every entry of an export made with the same key."""
    with open_list(args.list, args.key_file) as lst:
        report = lst.merge(args.file, reason=args.reason, source=args.source)
    console.show(report, as_json=args.json)
    return 0


def copy(args: argparse.Namespace, console: Console) -> int:
    """``copy SOURCE TARGET``: the whole list into a new or empty list, either backend."""
    with open_list(args.source, args.key_file, read_only=True) as lst:
        report = lst.copy_to(args.target)
        source = lst.location
    console.show(report, as_json=args.json)
    if not args.json:
        console.say(f"Copied {report.added:,} entries from {source}.")
    return 0

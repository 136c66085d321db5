"""``locosuppress add-hashes``: load a client's hashed do-not-mail file (MD5, SHA-1, SHA-256)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Hashable
from pathlib import Path
from typing import Any, Final

import pandas as pd

from locosuppress._matching import parse_digest
from locosuppress._vocabulary import squash_name
from locosuppress.cli._console import Console
from locosuppress.cli._files import CommandError, file_label, open_list
from locosuppress.cli._options import (
    ADD_REASONS,
    SCOPE_CHOICES,
    Shared,
    command_parser,
    list_location,
    source_label,
    usage_error,
)
from locosuppress.io import read_mailing_file
from locosuppress.keys import FOREIGN_KINDS

__all__ = ["HASH_COLUMN_NAMES", "add_hashes", "hash_column", "register"]

#: Column names that hold a client's digests, compared after ``squash_name``.
HASH_COLUMN_NAMES: Final = frozenset(
    {
        "subscriberhash",
        "hash",
        "hashes",
        "emailhash",
        "hashedemail",
        "md5",
        "emailmd5",
        "md5email",
        "md5hash",
        "sha1",
        "emailsha1",
        "sha1hash",
        "sha256",
        "emailsha256",
        "sha256email",
        "sha256hash",
        "sha256v1",
        "digest",
    }
)


def register(subparsers: Any, shared: Shared) -> dict[tuple[str, ...], argparse.ArgumentParser]:
    """Add ``add-hashes``."""
    parser = command_parser(
        subparsers,
        "add-hashes",
        "suppress the people of a client's hashed do-not-mail file",
        """
        locosuppress add-hashes suppression.db klant-afmeldingen.csv --kind md5
        locosuppress add-hashes suppression.db mailchimp-members.csv --kind md5 \\
            --column subscriber_hash --source klant-x
        locosuppress add-hashes suppression.db partner.json --kind sha256-v1 --json

        md5, sha1, sha256: digests of the address stripped and lower-cased (as
        Mailchimp's subscriber_hash); sha256-v1: of our canonical form v1. Values
        are hex or base64. Only a keyed hash of each is stored; see
        docs/clients-files.md.
        """,
        parents=[shared.common, shared.keyed, shared.as_json, shared.reading, shared.no_header],
    )
    parser.add_argument(
        "list",
        type=list_location,
        metavar="LIST",
        help="the suppression list (a file, or a postgresql:// URL)",
    )
    parser.add_argument(
        "file", type=Path, metavar="FILE", help="the client's file (CSV, TSV, .xlsx or JSON)"
    )
    parser.add_argument(
        "--kind", required=True, choices=tuple(FOREIGN_KINDS), help="the digest in the file"
    )
    parser.add_argument(
        "--column",
        metavar="NAME",
        help="the column of digests (default: found by name, e.g. subscriber_hash, md5, hash)",
    )
    parser.add_argument(
        "--scope",
        choices=SCOPE_CHOICES,
        default="all",
        help="what the people are suppressed for (default: all)",
    )
    parser.add_argument(
        "--reason", choices=ADD_REASONS, default="import", help="why (default: import)"
    )
    parser.add_argument(
        "--source",
        type=source_label,
        metavar="LABEL",
        help="a label for the audit log (default: the file name)",
    )
    parser.add_argument(
        "--allow-invalid",
        action="store_true",
        help="exit 0 even when some values are not digests of the kind (never stored)",
    )
    parser.set_defaults(handler=add_hashes)
    return {("add-hashes",): parser}


def _read_json(path: Path) -> pd.DataFrame:
    """A JSON array of digests, or of objects with a digest field, as a frame of text."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise CommandError(
            f"{path.name} is not a readable JSON file ({type(exc).__name__})"
        ) from None
    if isinstance(data, list) and all(isinstance(v, str) for v in data):
        return pd.DataFrame({"hash": pd.Series(data, dtype=object)})
    if isinstance(data, list) and all(isinstance(v, dict) for v in data):
        return pd.DataFrame.from_records(data).astype(object)
    raise CommandError(
        f"{path.name}: expected a JSON array of digests, or of objects with a digest field"
    )


def hash_column(frame: pd.DataFrame, column: Hashable | None) -> Hashable:
    """The column of digests: named, found by name, or the only column.

    Raises:
        CommandError: missing, ambiguous or not found.
    """
    columns = list(frame.columns)
    if column is not None:
        if column not in columns:
            raise CommandError(f"{column!r} is not a column of the file")
        return column
    found = [c for c in columns if squash_name(c) in HASH_COLUMN_NAMES]
    if len(found) == 1:
        return found[0]
    if len(columns) == 1:
        return columns[0]
    problem = "several columns look like digests" if found else "no column looks like digests"
    raise CommandError(f"{problem}; name the column of digests with --column")


def _frame(args: argparse.Namespace, path: Path) -> pd.DataFrame:
    if path.suffix.lower() == ".json":
        return _read_json(path)
    return read_mailing_file(
        path,
        encoding=args.encoding,
        delimiter=args.delimiter,
        sheet=args.sheet,
        header=not args.no_header,
    )


def add_hashes(args: argparse.Namespace, console: Console) -> int:
    """``add-hashes LIST FILE --kind K``: key and add a client's digests; print the AddReport."""
    path: Path = args.file
    if args.no_header and args.column is not None:
        usage_error(args, "--column names a header column; leave it out with --no-header")
    with console.progress.step(f"Reading {path.name}"):
        frame = _frame(args, path)
    column = hash_column(frame, args.column)
    # A file without a header row: its first digest was read as the column name.
    if not args.no_header and parse_digest(str(column), FOREIGN_KINDS[args.kind]) is not None:
        raise CommandError(
            "the file's first row looks like a digest, not a column name; "
            "read it with --no-header so that it is not lost"
        )
    values = frame[column]
    if not len(values):
        raise CommandError(f"{path.name}: holds no digests; nothing to add")
    source = args.source if args.source is not None else file_label(path)
    with open_list(args.list, args.key_file) as lst, console.progress.step("Adding"):
        report = lst.add_foreign_hashes(
            values, kind=args.kind, scope=args.scope, reason=args.reason, source=source
        )
    console.show(report, as_json=args.json)
    if report.invalid and not args.allow_invalid:
        raise CommandError(
            f"{report.invalid:,} of {report.total:,} values are not {args.kind} digests and were "
            "not stored (the others were); correct them, or pass --allow-invalid"
        )
    return 0

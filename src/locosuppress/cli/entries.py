"""``locosuppress init|add|add-domain|remove|remove-domain``: make a list, change its entries."""

from __future__ import annotations

import argparse
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from locosuppress._matching import is_wildcard, wildcard_suffix
from locosuppress._vocabulary import REMOVE_REASONS
from locosuppress.cli._console import Console
from locosuppress.cli._files import CommandError, address_column, file_label, load_key, open_list
from locosuppress.cli._options import (
    ADD_REASONS,
    SCOPE_CHOICES,
    Shared,
    command_parser,
    list_location,
    note_workers,
    source_label,
    usage_error,
)
from locosuppress.errors import ListNotFoundError
from locosuppress.io import read_mailing_file
from locosuppress.normalize import normalize_domain
from locosuppress.store import SuppressionList

__all__ = ["add", "add_domain", "init", "register", "remove", "remove_domain"]


def register(subparsers: Any, shared: Shared) -> dict[tuple[str, ...], argparse.ArgumentParser]:
    """Add ``init``, ``add``, ``add-domain``, ``remove`` and ``remove-domain``."""
    init_ = command_parser(
        subparsers,
        "init",
        "create an empty suppression list for a key",
        """
        locosuppress init suppression.db --key-file secret/list.key
        """,
        parents=[shared.common, shared.keyed],
    )
    init_.add_argument(
        "list",
        type=list_location,
        metavar="LIST",
        help="the new list file (its folder must exist), or a postgresql:// URL",
    )
    init_.set_defaults(handler=init)

    add_ = command_parser(
        subparsers,
        "add",
        "suppress addresses: from arguments, a file or standard input",
        """
        locosuppress add suppression.db --reason erasure jan@example.nl
        locosuppress add suppression.db jan@example.nl --reason erasure --scope all
        locosuppress add suppression.db --from afmeldingen.csv --column E-mailadres \\
            --scope newsletter --reason unsubscribed
        locosuppress add suppression.db --from bounces.csv --no-header --reason bounce
        grep -v '^#' bounces.txt | locosuppress add suppression.db --reason bounce

        Addresses given as arguments end up in your shell history: for people
        who asked to be erased, prefer --from FILE or standard input.
        """,
        parents=[
            shared.common,
            shared.keyed,
            shared.as_json,
            shared.workers,
            shared.reading,
            shared.no_header,
        ],
    )
    add_.add_argument(
        "list",
        type=list_location,
        metavar="LIST",
        help="the suppression list (a file, or a postgresql:// URL)",
    )
    add_.add_argument(
        "addresses",
        nargs="*",
        metavar="ADDRESS",
        help="addresses to suppress ('-': read standard input)",
    )
    add_.add_argument(
        "--from",
        dest="from_file",
        type=Path,
        metavar="FILE",
        help="read addresses from a CSV, .xlsx, JSON or JSON Lines file",
    )
    add_.add_argument(
        "--column",
        metavar="NAME",
        help="the address column of --from FILE (default: found by its name)",
    )
    add_.add_argument(
        "--scope",
        choices=SCOPE_CHOICES,
        default="all",
        help="what the people are suppressed for (default: all)",
    )
    add_.add_argument(
        "--reason",
        choices=ADD_REASONS,
        default="unsubscribed",
        help="why (default: unsubscribed)",
    )
    add_.add_argument(
        "--source",
        type=source_label,
        metavar="LABEL",
        help="a label for the audit log, never an address (default: the file name)",
    )
    add_.add_argument(
        "--allow-invalid",
        action="store_true",
        help="exit 0 even when some inputs are not addresses (they are never stored)",
    )
    add_.set_defaults(handler=add)

    add_domain_ = command_parser(
        subparsers,
        "add-domain",
        "suppress every address at a domain",
        """
        locosuppress add-domain suppression.db oud-bedrijf.example --reason complaint
        locosuppress add-domain suppression.db '*.oud-bedrijf.example'

        '*.example.nl' suppresses every subdomain at any depth, not example.nl itself.
        """,
        parents=[shared.common, shared.keyed],
    )
    add_domain_.add_argument(
        "list",
        type=list_location,
        metavar="LIST",
        help="the suppression list (a file, or a postgresql:// URL)",
    )
    add_domain_.add_argument(
        "domain", metavar="DOMAIN", help="the domain, e.g. example.nl, or a wildcard '*.example.nl'"
    )
    add_domain_.add_argument(
        "--scope",
        choices=SCOPE_CHOICES,
        default="all",
        help="what the domain is suppressed for (default: all)",
    )
    add_domain_.add_argument(
        "--reason", choices=ADD_REASONS, default="manual", help="why (default: manual)"
    )
    add_domain_.add_argument(
        "--source", type=source_label, metavar="LABEL", help="a label for the audit log"
    )
    add_domain_.set_defaults(handler=add_domain)

    remove_ = command_parser(
        subparsers,
        "remove",
        "lift the suppression of one address (fresh consent)",
        """
        locosuppress remove suppression.db jan@example.nl --reason resubscribed
        echo jan@example.nl | locosuppress remove suppression.db - --reason resubscribed
        locosuppress remove suppression.db jan@example.nl --reason correction --scope post
        """,
        parents=[shared.common, shared.keyed],
    )
    remove_.add_argument(
        "list",
        type=list_location,
        metavar="LIST",
        help="the suppression list (a file, or a postgresql:// URL)",
    )
    remove_.add_argument(
        "address", metavar="ADDRESS", help="the address ('-': read standard input)"
    )
    remove_.add_argument(
        "--reason",
        required=True,
        choices=REMOVE_REASONS,
        help="why the suppression is lifted (recorded in the audit log)",
    )
    remove_.add_argument(
        "--scope", choices=SCOPE_CHOICES, help="lift only this scope (default: every scope)"
    )
    remove_.set_defaults(handler=remove)

    remove_domain_ = command_parser(
        subparsers,
        "remove-domain",
        "lift the suppression of a domain",
        """
        locosuppress remove-domain suppression.db oud-bedrijf.example --reason correction
        """,
        parents=[shared.common, shared.keyed],
    )
    remove_domain_.add_argument(
        "list",
        type=list_location,
        metavar="LIST",
        help="the suppression list (a file, or a postgresql:// URL)",
    )
    remove_domain_.add_argument("domain", metavar="DOMAIN", help="the domain or wildcard")
    remove_domain_.add_argument(
        "--reason",
        required=True,
        choices=REMOVE_REASONS,
        help="why the suppression is lifted",
    )
    remove_domain_.add_argument(
        "--scope", choices=SCOPE_CHOICES, help="lift only this scope (default: every scope)"
    )
    remove_domain_.set_defaults(handler=remove_domain)
    return {
        ("init",): init_,
        ("add",): add_,
        ("add-domain",): add_domain_,
        ("remove",): remove_,
        ("remove-domain",): remove_domain_,
    }


def init(args: argparse.Namespace, console: Console) -> int:
    """``init LIST``: create an empty list for the key."""
    location: Path | str = args.list
    key = load_key(args.key_file)
    if isinstance(location, str):
        try:
            SuppressionList.open(location, key, create=False, read_only=True).close()
        except ListNotFoundError:
            pass
        else:
            raise CommandError("that PostgreSQL schema already holds a list; it is never replaced")
    elif location.exists() or location.is_symlink():
        raise CommandError(f"{location} exists; a list is never overwritten. Choose another path.")
    with SuppressionList.open(location, key, create=True) as lst:
        shown = lst.location
    console.say(
        f"Created the suppression list {shown} for the key with fingerprint {key.fingerprint}."
    )
    return 0


# -- adding -----------------------------------------------------------------------------------


def _addresses(
    args: argparse.Namespace, console: Console
) -> tuple[Sequence[object] | pd.Series, str | None]:
    """The inputs of ``add`` and their default source label."""
    given: list[str] = args.addresses
    if given and args.from_file is not None:
        usage_error(args, "give addresses as arguments or with --from FILE, not both")
    if args.column is not None and args.from_file is None:
        usage_error(args, "--column applies to --from FILE")
    if args.no_header and args.from_file is None:
        usage_error(args, "--no-header applies to --from FILE")
    if args.from_file is not None:
        path: Path = args.from_file
        with console.progress.step(f"Reading {path.name}"):
            frame = read_mailing_file(
                path,
                encoding=args.encoding,
                delimiter=args.delimiter,
                sheet=args.sheet,
                header=not args.no_header,
            )
        column: Hashable = address_column(frame, args.column, no_header=args.no_header)
        return frame[column], file_label(path)
    if given == ["-"] or (not given and not console.stdin_is_terminal()):
        return console.read_stdin_lines(), None
    if not given:
        usage_error(args, "give addresses as arguments, with --from FILE, or on standard input")
    return given, None


def add(args: argparse.Namespace, console: Console) -> int:
    """``add LIST [ADDRESS ...]``: suppress addresses; print the AddReport."""
    note_workers(args, console)
    values, label = _addresses(args, console)
    if len(values) == 0:
        where = "the file" if args.from_file is not None else "standard input"
        raise CommandError(f"no addresses to add: {where} holds none")
    source = args.source if args.source is not None else label
    with open_list(args.list, args.key_file) as lst, console.progress.step("Adding"):
        report = lst.add_many(values, scope=args.scope, reason=args.reason, source=source)
    console.show(report, as_json=args.json)
    if report.invalid and not args.allow_invalid:
        raise CommandError(
            f"{report.invalid:,} of {report.total:,} inputs are not e-mail addresses and were not "
            "stored (the others were); correct them, or pass --allow-invalid"
        )
    return 0


def _domain(value: str) -> tuple[str, str]:
    """The canonical domain or wildcard (``*.example.com``), and how a message names it."""
    if is_wildcard(value):
        suffix = wildcard_suffix(value)
        return f"*.{suffix}", f"every subdomain of {suffix}"
    domain = normalize_domain(value)
    return domain, domain


def add_domain(args: argparse.Namespace, console: Console) -> int:
    """``add-domain LIST DOMAIN``: suppress a whole domain, or every subdomain (``*.x``)."""
    domain, where = _domain(args.domain)
    with open_list(args.list, args.key_file) as lst:
        new = lst.add_domain(domain, scope=args.scope, reason=args.reason, source=args.source)
    if new:
        console.say(
            f"Suppressed every address at {where} (scope {args.scope}, reason {args.reason})."
        )
    else:
        console.say(f"{domain} was already suppressed for scope {args.scope}; nothing changed.")
    return 0


# -- removing ---------------------------------------------------------------------------------


def _one_address(args: argparse.Namespace, console: Console) -> str:
    """The address of ``remove``: the argument, or the one line on standard input for ``-``."""
    if args.address != "-":
        address: str = args.address
        return address
    lines = console.read_stdin_lines()
    if len(lines) != 1:
        usage_error(args, f"expected one address on standard input, found {len(lines)} lines")
    return lines[0]


def remove(args: argparse.Namespace, console: Console) -> int:
    """``remove LIST ADDRESS --reason R``: lift one address's suppression."""
    address = _one_address(args, console)
    where = f"scope {args.scope}" if args.scope else "every scope"
    with open_list(args.list, args.key_file) as lst:
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
    """``remove-domain LIST DOMAIN --reason R``: lift a domain's (or wildcard's) suppression."""
    domain, _ = _domain(args.domain)
    where = f"scope {args.scope}" if args.scope else "every scope"
    with open_list(args.list, args.key_file) as lst:
        removed = lst.remove_domain(domain, scope=args.scope, reason=args.reason)
    if removed:
        console.say(f"Removed the domain {domain} from the list ({where}; reason {args.reason}).")
    else:
        console.say(f"The domain {domain} was not on the list ({where}); nothing was removed.")
    return 0

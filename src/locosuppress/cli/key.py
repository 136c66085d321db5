"""``locosuppress key new|fingerprint``: make a key file, show a key's fingerprint."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from locosuppress.cli._console import Console
from locosuppress.cli._files import load_key
from locosuppress.cli._options import Parser, Shared, command_parser
from locosuppress.keys import SuppressionKey

__all__ = ["key_fingerprint", "key_new", "register"]


def register(subparsers: Any, shared: Shared) -> dict[tuple[str, ...], argparse.ArgumentParser]:
    """Add ``key`` and its subcommands; return their parsers by their words."""
    key = command_parser(
        subparsers,
        "key",
        "create a key file or show a key's fingerprint",
        """
        locosuppress key new secret/list.key
        locosuppress key fingerprint --key-file secret/list.key
        """,
        parents=[shared.common],
    )
    key_sub = key.add_subparsers(
        parser_class=Parser,
        title="key commands",
        metavar="KEYCOMMAND",
        dest="key_command",
        required=True,
    )
    new = command_parser(
        key_sub,
        "new",
        "create a new secret key file (mode 0600, never overwriting)",
        """
        locosuppress key new secret/list.key
        export LOCOSUPPRESS_KEY="$(cat secret/list.key)"   # for the commands that follow
        """,
        parents=[shared.common],
    )
    new.add_argument(
        "path", type=Path, metavar="PATH", help="the new key file (its folder must exist)"
    )
    new.set_defaults(handler=key_new)
    fingerprint = command_parser(
        key_sub,
        "fingerprint",
        "print the public fingerprint of a key",
        """
        locosuppress key fingerprint --key-file secret/list.key
        LOCOSUPPRESS_KEY="$(cat secret/list.key)" locosuppress key fingerprint
        """,
        parents=[shared.common, shared.keyed],
    )
    fingerprint.set_defaults(handler=key_fingerprint)
    return {("key",): key, ("key", "new"): new, ("key", "fingerprint"): fingerprint}


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

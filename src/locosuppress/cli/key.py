"""``locosuppress key new|fingerprint|rotate``: make, show and rotate keys."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from locosuppress.cli._console import Console
from locosuppress.cli._files import CommandError, check_output, list_files, load_key, open_list
from locosuppress.cli._options import Parser, Shared, command_parser, list_location
from locosuppress.keys import KeyRing, SuppressionKey

__all__ = ["key_fingerprint", "key_new", "key_rotate", "register"]


def register(subparsers: Any, shared: Shared) -> dict[tuple[str, ...], argparse.ArgumentParser]:
    """Add ``key`` and its subcommands; return their parsers by their words."""
    key = command_parser(
        subparsers,
        "key",
        "create a key file, show a key's fingerprint or rotate a list's key",
        """
        locosuppress key new secret/list.key
        locosuppress key fingerprint --key-file secret/list.key
        locosuppress key rotate suppression.db --key-file secret/list.key \\
            --new-key-file secret/new.key --ring-out secret/list.ring
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
    rotate = command_parser(
        key_sub,
        "rotate",
        "wrap every hash of a list under a new key (writes the key ring first)",
        """
        # first stop (or upgrade) every process running an older locosuppress
        locosuppress key new secret/new.key
        locosuppress key rotate suppression.db --key-file secret/list.key \\
            --new-key-file secret/new.key --ring-out secret/list.ring
        locosuppress verify suppression.db --key-file secret/list.ring
        """,
        parents=[shared.common, shared.keyed, shared.as_json],
    )
    rotate.add_argument(
        "list", type=list_location, metavar="LIST", help="the list file or postgresql:// URL"
    )
    rotate.add_argument(
        "--new-key-file",
        type=Path,
        metavar="NEW",
        required=True,
        help="the new key file (`locosuppress key new NEW`, mode 0600)",
    )
    rotate.add_argument(
        "--ring-out",
        type=Path,
        metavar="RING",
        required=True,
        help="the new key ring file to write (never overwritten); the list opens only with it",
    )
    rotate.set_defaults(handler=key_rotate)
    return {
        ("key",): key,
        ("key", "new"): new,
        ("key", "fingerprint"): fingerprint,
        ("key", "rotate"): rotate,
    }


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
    """``key fingerprint``: the public fingerprint of the key (a ring: also its chain)."""
    key = load_key(args.key_file)
    console.say(key.fingerprint)
    if isinstance(key, KeyRing):
        console.say(f"key chain (oldest first): {' -> '.join(key.chain)}")
    return 0


def key_rotate(args: argparse.Namespace, console: Console) -> int:
    """``key rotate LIST --new-key-file NEW --ring-out RING``: write the ring, then rotate.

    The list is opened with the current key (or ring) first, so a wrong key
    writes nothing; then the ring of the new chain is written (0600, never
    overwriting), and only then are the list's hashes wrapped.
    """
    ring_out: Path = args.ring_out
    protected = [*list_files(args.list), ("key", args.key_file), ("new key", args.new_key_file)]
    check_output(ring_out, inputs=protected, force=True, what="ring")
    if ring_out.exists() or ring_out.is_symlink():
        raise CommandError(
            f"the ring file {ring_out} exists; a key ring is never overwritten. Choose another "
            "path (nothing was rotated)"
        )
    if not ring_out.absolute().parent.is_dir():
        raise CommandError(f"the folder of {ring_out} does not exist; the ring was not written")
    current = load_key(args.key_file)
    new_key = SuppressionKey.load(args.new_key_file)
    ring = (current if isinstance(current, KeyRing) else KeyRing([current])).rotated_to(new_key)
    with open_list(args.list, args.key_file) as lst:
        ring.save(ring_out)
        console.err.write(
            f"Wrote the key ring {ring_out} (mode 0600): from now on the list opens only "
            "with it. Keep it secret and backed up.\n"
        )
        with console.progress.step("Rotating the key", total=len(lst)) as step:
            done = [0]

            def progress(wrapped: int, total: int) -> None:
                step.set_total(total)  # distinct hashes, not the (hash, kind) pairs of len()
                step.advance(wrapped - done[0])
                done[0] = wrapped

            report = lst.rotate_key(new_key, progress=progress)
    console.show(report, as_json=args.json)
    if not args.json:
        console.say(f"Use --key-file {ring_out} (or LOCOSUPPRESS_KEY holding it) from now on.")
    return 0

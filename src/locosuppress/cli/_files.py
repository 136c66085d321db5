"""Files for the command line: the key, output paths that must not hit an input, JSON.

Every check here runs before any work is done, so a mistake costs nothing:
an output that is the input (by name, through a symbolic link or as a hard
link), an output that exists without ``--force``, no key.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from locosuppress.keys import SuppressionKey

__all__ = ["CommandError", "check_output", "load_key", "same_file", "write_json"]

KEY_ENV = "LOCOSUPPRESS_KEY"


class CommandError(Exception):
    """A failure the command reports in one line and exit status 1."""


def load_key(key_file: Path | None) -> SuppressionKey:
    """The key from ``--key-file``, else from ``LOCOSUPPRESS_KEY``; never from an argument.

    Raises:
        CommandError: neither is given.
        InvalidKeyError, InsecureKeyFileError: the key cannot be used.
    """
    if key_file is not None:
        return SuppressionKey.load(key_file)
    if os.environ.get(KEY_ENV):
        return SuppressionKey.from_env(KEY_ENV)
    raise CommandError(
        f"no key: pass --key-file PATH or set {KEY_ENV} to the text of the key file "
        "(create a key with `locosuppress key new PATH`)"
    )


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file: same resolved path, or same inode (links)."""
    try:
        if os.path.samefile(a, b):
            return True
    except OSError:  # one of them does not exist (yet)
        pass
    return a.resolve() == b.resolve()


def check_output(
    output: Path, *, inputs: Iterable[tuple[str, Path | None]], force: bool, what: str = "output"
) -> None:
    """Refuse an output that is one of the inputs, a folder, or exists without ``--force``.

    Args:
        output: the file to write.
        inputs: ``(name, path)`` of every file the command reads or must keep.
        force: whether an existing output may be replaced.
        what: how to name the output in a message.

    Raises:
        CommandError: the output must not be written.
    """
    for name, path in inputs:
        if path is not None and same_file(output, path):
            raise CommandError(
                f"the {what} file {output} is the {name} file; choose another {what} file "
                "(the input is never overwritten)"
            )
    if output.is_dir():
        raise CommandError(f"the {what} {output} is a folder; give a file name")
    if not force and (output.exists() or output.is_symlink()):
        raise CommandError(f"the {what} file {output} exists; pass --force to replace it")


def write_json(data: Any, path: Path, *, force: bool) -> None:
    """Write ``data`` as JSON via a temporary file beside ``path``, then rename it.

    Raises:
        CommandError: ``path`` exists and ``force`` is false, or its folder is missing.
    """
    folder = path.parent
    if not folder.is_dir():
        raise CommandError(f"the folder of {path} does not exist")
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"
    temporary = folder / f".locosuppress-{secrets.token_hex(8)}.tmp"
    try:
        with temporary.open("x", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        if force:
            os.replace(temporary, path)
        else:
            try:
                os.link(temporary, path)
            except FileExistsError:
                raise CommandError(f"{path} exists; pass --force to replace it") from None
            except OSError:  # a file system without hard links: check, then rename
                if os.path.lexists(path):
                    raise CommandError(f"{path} exists; pass --force to replace it") from None
                os.replace(temporary, path)
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink()

"""Files for the command line: the key, the list, output paths that must not hit an input, JSON.

Every check here runs before any work is done, so a mistake costs nothing:
an output that is the input (by name, through a symbolic link or as a hard
link), an output that exists without ``--force``, no key, a mistyped list path.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Hashable, Iterable
from pathlib import Path
from typing import Any, Final

import pandas as pd

from locosuppress import _fs
from locosuppress._vocabulary import check_source
from locosuppress.errors import InvalidOptionError
from locosuppress.filtering import find_address_column
from locosuppress.io._write import protected_content
from locosuppress.keys import KeyRing, SuppressionKey, load_key_or_ring
from locosuppress.store import SuppressionList

__all__ = [
    "KEY_ENV",
    "CommandError",
    "address_column",
    "check_output",
    "command_line_words",
    "file_label",
    "list_files",
    "load_key",
    "open_list",
    "same_file",
    "write_json",
]

#: The environment variable that may hold the key's text.
KEY_ENV: Final = "LOCOSUPPRESS_KEY"


class CommandError(Exception):
    """A failure the command reports in one line and exit status 1."""


def load_key(key_file: Path | None) -> SuppressionKey | KeyRing:
    """The key or key ring from ``--key-file``, else from ``LOCOSUPPRESS_KEY``; never an argument.

    A key file (or text) gives a :class:`SuppressionKey`; a ring file (what
    ``key rotate`` writes) gives the :class:`KeyRing` a rotated list needs.

    Raises:
        CommandError: neither is given.
        InvalidKeyError, InsecureKeyFileError: the key cannot be used.
    """
    if key_file is not None:
        return load_key_or_ring(key_file)
    if os.environ.get(KEY_ENV):
        return load_key_or_ring(None, env=KEY_ENV)
    raise CommandError(
        f"no key: pass --key-file PATH or set {KEY_ENV} to the text of the key file "
        "(create a key with `locosuppress key new PATH`)"
    )


def open_list(
    path: Path | str, key_file: Path | None, *, read_only: bool = False
) -> SuppressionList:
    """Open the existing list at ``path`` (a file or a ``postgresql://`` URL); never create one.

    Raises:
        CommandError: no key, or no list file at ``path``.
        ListNotFoundError: no list in the PostgreSQL database.
    """
    key = load_key(key_file)
    if isinstance(path, str):
        return SuppressionList.open(path, key, create=False, read_only=read_only)
    if not path.exists():
        raise CommandError(
            f"no suppression list at {path}; check the path, or create one with "
            "`locosuppress init LIST`"
        )
    return SuppressionList.open(path, key, create=False, read_only=read_only)


def file_label(path: Path) -> str | None:
    """The file name as an audit-log source label, when it can be one."""
    try:
        return check_source(path.name)
    except InvalidOptionError:
        return None


# The library's keywords in its messages, and the options that do the same here.
_WORDS: Final = (
    (re.compile(r"\bread_only=True\b"), "--read-only"),
    (re.compile(r"\bheader=False\b"), "--no-header"),
    (re.compile(r"\boverwrite=True\b"), "--force"),
    (re.compile(r"\bcolumn=\.\.\."), "--column NAME"),
    (re.compile(r'\bencoding="([^"]+)"'), r"--encoding \1"),
    (re.compile(r"\bencoding=\.\.\."), "--encoding CODEC"),
    (re.compile(r"\bdelimiter=\.\.\."), "--delimiter CHAR"),
    (re.compile(r"\b(encoding|delimiter|sheet)=(?=\s)"), r"--\1"),
)


def command_line_words(message: str) -> str:
    """A library message with its keywords (``read_only=True``...) as this command's options."""
    for pattern, option in _WORDS:
        message = pattern.sub(option, message)
    return message


def address_column(frame: pd.DataFrame, column: str | None, *, no_header: bool = False) -> Hashable:
    """The address column: named, found by its name, or a ``--no-header`` file's only column.

    Raises:
        SchemaError: no such column, or none (or several) found by name.
    """
    if no_header and column is None and frame.shape[1] == 1:
        return frame.columns[0]
    return find_address_column(frame, column)


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file: same resolved path, or same inode (links)."""
    try:
        if os.path.samefile(a, b):
            return True
    except OSError:  # one of them does not exist (yet)
        pass
    return a.resolve() == b.resolve()


#: The files SQLite keeps beside a list: overwriting one loses committed changes.
_LIST_SIDECARS: Final = (
    ("-wal", "list's write-ahead log"),
    ("-shm", "list's shared memory"),
    ("-journal", "list's journal"),
)


def list_files(path: Path | str | None) -> list[tuple[str, Path | None]]:
    """The list and the files SQLite keeps beside it, as ``check_output`` inputs.

    A ``postgresql://`` URL (a ``str``) has no files on this machine: none.
    """
    if path is None or isinstance(path, str):
        return []
    files: list[tuple[str, Path | None]] = [("list", path)]
    files += [(name, path.with_name(path.name + suffix)) for suffix, name in _LIST_SIDECARS]
    return files


def check_output(
    output: Path, *, inputs: Iterable[tuple[str, Path | None]], force: bool, what: str = "output"
) -> None:
    """Refuse an output that is an input, a list or key, a folder, or exists without ``--force``.

    An existing file that starts like a key file (wherever the key came
    from: ``--key-file`` or ``LOCOSUPPRESS_KEY``), a SQLite database or its
    log is refused even with ``--force``; so are the names of a list's
    ``-wal``, ``-shm`` and ``-journal`` files when ``inputs`` holds them
    (:func:`list_files`), whether or not they exist yet.

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
    found = protected_content(output)
    if found is not None:
        raise CommandError(
            f"the {what} file {output} is {found}; it is never overwritten, not even with "
            f"--force: choose another {what} file"
        )
    if output.is_dir():
        raise CommandError(f"the {what} {output} is a folder; give a file name")
    if not force and (output.exists() or output.is_symlink()):
        raise CommandError(f"the {what} file {output} exists; pass --force to replace it")


def write_json(data: Any, path: Path, *, force: bool) -> None:
    """Write ``data`` as JSON beside ``path``, fsync it, then link (or with ``force``, rename) it.

    Raises:
        CommandError: the folder of ``path`` is missing.
        OutputExistsError: ``path`` exists and ``force`` is false.
    """
    folder = path.parent
    if not folder.is_dir():
        raise CommandError(f"the folder of {path} does not exist")
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"
    with _fs.new_file(
        path,
        mode=0o666,
        prefix=".locosuppress",
        replace=force,
        exists=f"{path} exists; pass --force to replace it",
    ) as temporary:
        temporary.write_text(text, encoding="utf-8")

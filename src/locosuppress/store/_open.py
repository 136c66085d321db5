"""Opening and creating suppression lists (private).

The checks every list gets before it is used, in this order: the folder
exists (it is never created); a dangling link is not followed; a missing file
is created only when allowed; a writable open needs a writable file and
folder; then the backend checks its own header and the meta entries are
checked: **the key fingerprint first**, then the format version, then the
normalisation rules. The backend is chosen here: a path is a SQLite list
file, a ``postgresql://`` URL a list in a PostgreSQL schema (the driver is
imported only then: the ``postgres`` extra).
"""

from __future__ import annotations

import functools
import os
from datetime import datetime
from pathlib import Path

from locosuppress._version import __version__
from locosuppress.errors import (
    InvalidOptionError,
    KeyMismatchError,
    ListCorruptedError,
    ListNotFoundError,
    ReadOnlyListError,
    UnsupportedFormatError,
)
from locosuppress.keys import HashingMaterial, KeyRing, SuppressionKey
from locosuppress.normalize import NORMALIZATION_VERSION
from locosuppress.store import _sqlite
from locosuppress.store._backend import CHAIN_META, FORMAT_WITH_KINDS, Backend
from locosuppress.store._reports import iso, utc
from locosuppress.store._sqlite_backend import SQLiteBackend

__all__ = [
    "CHAIN_META",
    "DEFAULT_LOCK_TIMEOUT_S",
    "ROTATED_META",
    "chain_of",
    "check_meta",
    "is_url",
    "material",
    "open_backend",
    "require_folder",
]

DEFAULT_LOCK_TIMEOUT_S = _sqlite.DEFAULT_LOCK_TIMEOUT_S
#: The meta entry of the time of each rotation (ISO 8601 UTC), comma-separated, oldest first.
ROTATED_META = "rotated_at"


def chain_of(meta: dict[str, str]) -> tuple[str, ...]:
    """The key chain a list's meta records: its one fingerprint when never rotated."""
    text = meta.get(CHAIN_META)
    return tuple(text.split(",")) if text else (meta["fingerprint"],)


def material(key: object) -> HashingMaterial:
    """The hashing material of a key.

    Raises:
        TypeError: neither a :class:`SuppressionKey` nor a :class:`HashingMaterial`.
    """
    if isinstance(key, SuppressionKey):
        return key.hashing_material()
    if isinstance(key, KeyRing):
        return key.hashing_material()
    if isinstance(key, HashingMaterial):
        return key
    raise TypeError(
        "key must be the KeyRing of a rotated list, or a SuppressionKey "
        f"(or its HashingMaterial), not {type(key).__name__}"
    )


def require_folder(path: Path) -> Path:
    """Return the absolute folder of ``path``, which must exist.

    Raises:
        ListNotFoundError: the folder does not exist (it is never created).
        ReadOnlyListError: the folder cannot be entered.
    """
    folder = path.absolute().parent
    try:
        exists = folder.is_dir()
    except PermissionError:
        raise ReadOnlyListError(
            f"the folder {folder} cannot be entered by this process (permissions)"
        ) from None
    if not exists:
        raise ListNotFoundError(
            f"the folder {folder} does not exist; create it first (locosuppress never "
            "creates folders, so a typo cannot start a new list in the wrong place)"
        )
    return folder


def check_meta(
    path: Path | str, matter: HashingMaterial, format_version: int, meta: dict[str, str]
) -> None:
    """Refuse another key, a newer format or other rules, in that order.

    Raises:
        KeyMismatchError: the list was made with another key.
        UnsupportedFormatError: a newer format, or other normalisation rules.
        ListCorruptedError: a damaged format version.
    """
    chain = chain_of(meta)
    if len(chain) > 1 and (meta["fingerprint"], chain) != (matter.fingerprint, matter.chain):
        raise KeyMismatchError(
            f"{path} was rotated: it opens only with the key ring of its whole chain, in "
            f"order: {' -> '.join(chain)}; the key given has chain "
            f"{' -> '.join(matter.chain)}. Use the ring file written by `locosuppress key "
            "rotate` (KeyRing.load) or LOCOSUPPRESS_KEY holding it "
            "(fingerprints are public and safe to compare)."
        )
    if meta["fingerprint"] != matter.fingerprint:
        raise KeyMismatchError(
            f"{path} was made with the key of fingerprint {meta['fingerprint']}, but the key "
            f"given has fingerprint {matter.fingerprint} (chain {' -> '.join(matter.chain)}). "
            "Use the list's own key (fingerprints are public and safe to compare)."
        )
    try:
        version = int(meta["format_version"])
    except ValueError:
        raise ListCorruptedError(f"{path} has a damaged format version in its meta table") from None
    readable = max(format_version, FORMAT_WITH_KINDS)
    if version > readable:
        raise UnsupportedFormatError(
            f"{path} uses list format {version}, newer than this locosuppress reads "
            f"({readable}); upgrade locosuppress (pip install -U locosuppress)"
        )
    if meta.get("normalization") != NORMALIZATION_VERSION:
        raise UnsupportedFormatError(
            f"{path} uses normalisation rules {meta.get('normalization')!r}; this locosuppress "
            f"knows {NORMALIZATION_VERSION!r}. Upgrade locosuppress."
        )


def _new_meta(matter: HashingMaterial, format_version: int, moment: datetime) -> dict[str, str]:
    return {
        "format_version": str(format_version),
        "normalization": NORMALIZATION_VERSION,
        "fingerprint": matter.fingerprint,
        "created_at": iso(moment),
        "index_stale": "0",
        "created_by": f"locosuppress {__version__}",
        # A list created for a key chain (copy_to of a rotated list) records it.
        **({CHAIN_META: ",".join(matter.chain)} if len(matter.chain) > 1 else {}),
    }


def is_url(location: object) -> bool:
    """Whether ``location`` names a PostgreSQL list (a ``postgresql://`` URL)."""
    return isinstance(location, str) and location.startswith(("postgresql://", "postgres://"))


def open_backend(
    location: str | os.PathLike[str],
    matter: HashingMaterial,
    *,
    create: bool,
    read_only: bool,
    lock_timeout: float,
    now: datetime | None,
    schema: str = "locosuppress",
) -> tuple[Backend, dict[str, str]]:
    """Open (or create) the list at ``location``; return its backend and meta entries.

    Raises:
        see :meth:`locosuppress.store.SuppressionList.open`.
    """
    if is_url(location):
        return _open_postgres(
            str(location),
            matter,
            create=create,
            read_only=read_only,
            lock_timeout=lock_timeout,
            now=now,
            schema=schema,
        )
    if schema != "locosuppress":
        raise InvalidOptionError(
            "schema= applies to PostgreSQL lists (a postgresql:// URL), not to a list file"
        )
    return _open_sqlite(
        Path(location),
        matter,
        create=create,
        read_only=read_only,
        lock_timeout=lock_timeout,
        now=now,
    )


def _open_postgres(
    url: str,
    matter: HashingMaterial,
    *,
    create: bool,
    read_only: bool,
    lock_timeout: float,
    now: datetime | None,
    schema: str,
) -> tuple[Backend, dict[str, str]]:
    """Open (or create) the list in a PostgreSQL schema (imports the driver).

    Raises:
        MissingExtraError: psycopg (the ``postgres`` extra) is not installed.
    """
    # An optional extra: imported only for a postgresql:// location.
    from locosuppress.store import _postgres, _postgres_backend

    where = _postgres.Location(url, schema)
    moment = utc(now)
    backend = _postgres_backend.PostgresBackend
    return backend.open(
        where,
        create=create,
        read_only=read_only,
        lock_timeout=lock_timeout,
        meta=lambda: _new_meta(matter, backend.format_version, moment),
        at=int(moment.timestamp()),
        check_meta=functools.partial(check_meta, where.display, matter, backend.format_version),
    )


def _open_sqlite(
    path: Path,
    matter: HashingMaterial,
    *,
    create: bool,
    read_only: bool,
    lock_timeout: float,
    now: datetime | None,
) -> tuple[Backend, dict[str, str]]:
    """Open (or create) the list file at ``path``."""
    require_folder(path)
    if path.is_symlink() and not path.exists():
        raise ListNotFoundError(
            f"{path} is a symbolic link to a missing file; lists are not created through links"
        )
    if not path.exists():
        if read_only or not create:
            why = "read_only=True never creates a list" if read_only else "create=False"
            raise ListNotFoundError(f"no suppression list at {path} ({why})")
        if not _sqlite.folder_writable(path):
            raise ReadOnlyListError(f"cannot create {path}: its folder is not writable")
        moment = utc(now)
        SQLiteBackend.create(
            path,
            # The data version lives in meta on SQLite (PostgreSQL: state.version).
            meta={**_new_meta(matter, SQLiteBackend.format_version, moment), "data_version": "0"},
            at=int(moment.timestamp()),
            lock_timeout=lock_timeout,
        )
    if not read_only and not (os.access(path, os.R_OK | os.W_OK) and _sqlite.folder_writable(path)):
        raise ReadOnlyListError(
            f"{path} or its folder cannot be written by this process; open it with "
            "read_only=True to check and filter"
        )
    return SQLiteBackend.open(
        path,
        read_only=read_only,
        lock_timeout=lock_timeout,
        check_meta=functools.partial(check_meta, path, matter, SQLiteBackend.format_version),
    )

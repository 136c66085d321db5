"""The :class:`SuppressionList` facade (private module: import from :mod:`locosuppress.store`).

Each public method checks its options (:mod:`locosuppress._vocabulary`),
hashes its input (:mod:`locosuppress.keys`) and hands over to a function
module that works through the :class:`~locosuppress.store._session.Session`:
``_entries``, ``_audit``, ``_snapshot``, ``_verify``, ``_transfer``. No SQL
here: storage is behind :mod:`locosuppress.store._backend`.
"""

from __future__ import annotations

import os
from collections.abc import Hashable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

import attrs
import pandas as pd

from locosuppress._compat import accept_workers
from locosuppress._index import SuppressionIndex
from locosuppress._vocabulary import (
    CHANNELS,
    KIND_DOMAIN,
    KIND_EMAIL,
    REASONS,
    SCOPES,
    channel_scopes,
    check_source,
    option_code,
)
from locosuppress.filtering import FilterResult, filter_frame
from locosuppress.interop import SuppressionExport
from locosuppress.keys import HashingMaterial, KeyRing, SuppressionKey
from locosuppress.normalize import normalize_email
from locosuppress.store import _entries, _foreign, _imports, _open, _snapshot, _transfer
from locosuppress.store._reports import AddReport, epoch_seconds
from locosuppress.store._session import Session
from locosuppress.store._upkeep import ListUpkeep

__all__ = ["SuppressionList"]


def _label_of(frame: pd.DataFrame, source: str | None) -> str | None:
    """The audit label: ``source``, or the file name ``read_mailing_file`` recorded."""
    if source is None:
        meta = frame.attrs.get("locosuppress")
        source = meta.get("source") if isinstance(meta, Mapping) else None
    return source


class SuppressionList(ListUpkeep):
    """A permanent suppression list in a SQLite file or a PostgreSQL schema; see :meth:`open`.

    Use it as a context manager, or call :meth:`close`; after that every call
    raises :class:`ListClosedError`. One instance may be shared between
    threads (calls are serialised); several processes may open the same file
    at once.
    """

    def __init__(self, session: Session, matter: HashingMaterial, meta: dict[str, str]) -> None:
        """Wrap an open, checked backend session; use :meth:`open` instead."""
        self._session = session
        self._matter = matter
        self._meta = meta

    # -- opening and closing -----------------------------------------------------

    @classmethod
    def open(
        cls,
        location: str | os.PathLike[str],
        key: SuppressionKey | KeyRing | HashingMaterial,
        /,
        *,
        create: bool = True,
        read_only: bool = False,
        lock_timeout: float = _open.DEFAULT_LOCK_TIMEOUT_S,
        now: datetime | None = None,
        schema: str = "locosuppress",
    ) -> SuppressionList:
        """Open the list at ``location`` with its key, creating it if allowed.

        Args:
            location: the list file (its folder must exist), or a
                ``postgresql://`` URL of a database (the ``postgres`` extra;
                see ``docs/postgres.md``; keep the password out of the URL:
                ``PGPASSWORD``, ``~/.pgpass`` or a service file).
            key: the list's :class:`SuppressionKey`; after :meth:`rotate_key`,
                the :class:`KeyRing` of its whole chain (or their ``HashingMaterial``).
            create: create an empty list when the file does not exist. Scripts
                that only filter should pass ``create=False``: a mistyped path
                then fails instead of filtering against an empty list.
            read_only: open without the right to write (``mode=ro``): for
                checking and filtering, also from read-only files and folders.
                Nothing is written, not even an audit row.
            lock_timeout: seconds a write may wait for other writers before
                :class:`ListLockedError`.
            now: the creation time to record (default: the current UTC time).
            schema: the PostgreSQL schema that holds the list (PostgreSQL only).

        Raises:
            ListNotFoundError: the folder is missing, or the file is missing and
                ``create`` is false or ``read_only`` is true.
            NotASuppressionListError: the file is not a locosuppress list.
            KeyMismatchError: the list was made with another key, or rotated
                and the ring given is not its whole chain in order (checked
                before anything else is read or written).
            UnsupportedFormatError: a newer locosuppress wrote the file.
            ReadOnlyListError: a writable open of a file or folder this process
                cannot write.
            ListCorruptedError: the file is truncated or damaged (it is left as is).
            ListStorageError: the PostgreSQL server cannot be reached.
            MissingExtraError: a URL without the ``postgres`` extra installed.
        """
        matter = _open.material(key)
        backend, meta = _open.open_backend(
            location,
            matter,
            create=create,
            read_only=read_only,
            lock_timeout=lock_timeout,
            now=now,
            schema=schema,
        )
        session = Session(backend, read_only=read_only)
        session.fingerprint = meta["fingerprint"]
        return cls(session, matter, meta)

    def close(self) -> None:
        """Close the list (idempotent); the write-ahead log is checkpointed by SQLite."""
        self._session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = ", read_only" if self.read_only else ""
        state = ", closed" if self.closed else ""
        return f"<SuppressionList {self.location!r} fingerprint={self.fingerprint}{mode}{state}>"

    # -- properties ------------------------------------------------------------------

    @property
    def path(self) -> Path:
        """The list file (for a PostgreSQL list: its :attr:`location` as a path)."""
        return self._session.backend.path

    @property
    def location(self) -> str:
        """Where the list lives: its file, or its URL without password and its schema."""
        return self._session.backend.location

    @property
    def read_only(self) -> bool:
        """True when opened with ``read_only=True``: nothing is ever written."""
        return self._session.read_only

    @property
    def closed(self) -> bool:
        """True after :meth:`close`."""
        return self._session.closed

    def hashing_material(self) -> HashingMaterial:
        """Return the hashing subkeys the list was opened with (for the filter)."""
        return self._matter

    @property
    def fingerprint(self) -> str:
        """The public fingerprint of the list's key (after a rotation: of its chain)."""
        return self._meta["fingerprint"]

    @property
    def normalization(self) -> str:
        """The normalisation rule set of the hashes (``"v1"``)."""
        return self._meta["normalization"]

    @property
    def format_version(self) -> int:
        """The file format version."""
        # Read now: a list is raised to format 2 by its first entry of a newer kind.
        return int(self._session.read(lambda tx: tx.meta())["format_version"])

    @property
    def created_at(self) -> datetime:
        """When the list was created (UTC)."""
        return datetime.strptime(self._meta["created_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)

    def data_version(self) -> int:
        """Return the list's data version, read from the storage now.

        A stored counter that every add, removal, import and merge raises in
        its own transaction, whichever process writes (filter runs, backups
        and exports do not). Two equal readings mean the same entries. On
        SQLite it is kept in the list's meta; on PostgreSQL it is the change
        counter that also lets a cached index fetch only the new entries.

        Raises:
            ListClosedError: the list is closed.
        """
        return self._session.version()

    # -- adding ------------------------------------------------------------------------

    def add(
        self,
        email: object,
        /,
        *,
        scope: str = "all",
        reason: str = "unsubscribed",
        source: str | None = None,
        now: datetime | None = None,
    ) -> bool:
        """Suppress one address for ``scope``; return True when the entry is new.

        An existing entry keeps its first reason, time and source.

        Raises:
            InvalidEmailError: ``email`` is not an address (the message names
                the rule, never the value).
            ValueError: unknown ``scope`` or ``reason``, or a bad ``source`` label.
            ReadOnlyListError: the list was opened read-only.
        """
        return _entries.add_value(
            self._session, self._matter, KIND_EMAIL, "add", email, scope, reason, source, now
        )

    def add_many(
        self,
        emails: Iterable[object] | pd.Series,
        /,
        *,
        scope: str | pd.Series = "all",
        reason: str | pd.Series = "unsubscribed",
        source: str | None = None,
        now: datetime | pd.Series | None = None,
        workers: int | None = None,
    ) -> AddReport:
        """Suppress many addresses in one durable transaction.

        Normalisation and hashing are vectorised; the batch is sorted by hash
        and inserted in one transaction, so a million addresses take seconds.

        Args:
            emails: any iterable of values or a pandas Series (any dtype).
            scope, reason, source, now: as for :meth:`add`; ``scope``, ``reason``
                and ``now`` may also be a Series aligned with ``emails`` (same
                length, and the same index when ``emails`` is a Series), one
                value per address. With a Series, an address already present
                keeps the older of its two times (as :meth:`add_export`).
            workers: deprecated and ignored (a ``DeprecationWarning``); for
                several cores use :mod:`locosuppress.dask`.

        Returns:
            An :class:`AddReport`; every input is counted once as added,
            already present or invalid (with its 0-based position).

        Raises:
            ValueError: unknown ``scope`` or ``reason``, or a bad ``source`` label;
                a Series option misaligned or holding a bad value (positions given).
            TypeError: a single string (use :meth:`add`) or a whole DataFrame was passed.
            ReadOnlyListError: the list was opened read-only.
        """
        accept_workers(workers)
        for name, value, table in (("scope", scope, SCOPES), ("reason", reason, REASONS)):
            if not isinstance(value, pd.Series):
                option_code(value, table, name)
        label = check_source(source)
        at = epoch_seconds(None if isinstance(now, pd.Series) else now)
        per_row = _imports.option_rows(emails, scope=scope, reason=reason, now=now, at=at)
        if per_row is not None:
            report = _imports.add_rows(
                self._session, self._matter, *per_row, operation="add_many", label=label, at=at
            )
        else:
            report = _entries.add_many(
                self._session,
                self._matter,
                emails,
                scope=scope,  # type: ignore[arg-type]  # a str: checked above
                reason=reason,  # type: ignore[arg-type]
                label=label,
                at=at,
            )
        return self._after_bulk(report)

    def add_export(
        self,
        export: SuppressionExport,
        /,
        *,
        source: str | None = None,
        now: datetime | None = None,
    ) -> AddReport:
        """Suppress the rows of a provider's export, each with its reason, scope and date.

        One durable transaction: every row's entry is dated by its
        ``suppressed_at`` (``now`` where the export has no date). An address
        already present keeps its reason and source, and the older of the two
        dates (an import with an older date moves it back).

        Args:
            export: what :func:`locosuppress.read_suppressions` returned.
            source: a label for the audit log (default: the export's first file name).
            now: the time of rows without a date, and of the audit row.

        Returns:
            An :class:`AddReport`; invalid addresses are given by their 0-based
            position in ``export.frame``.

        Raises:
            TypeError: ``export`` is not a :class:`SuppressionExport`.
            InvalidOptionError: a reason or scope of ours is unknown (positions given).
            ReadOnlyListError: the list was opened read-only.
        """
        if not isinstance(export, SuppressionExport):
            raise TypeError(
                f"add_export takes what read_suppressions returned, not {type(export).__name__}"
            )
        label = check_source(source if source is not None else export.report.source)
        at = epoch_seconds(now)
        values, rows = _imports.export_rows(export, at=at)
        report = _imports.add_rows(
            self._session, self._matter, values, rows, operation="add_export", label=label, at=at
        )
        return self._after_bulk(report)

    def _after_bulk(self, report: AddReport) -> AddReport:
        """Fold a bulk load into the index snapshot, so the next open reads one snapshot."""
        if report.added >= _snapshot.PENDING_LIMIT:
            # A bulk load: fold it into the index snapshot now, so that the
            # next open (read-only ones too) reads one snapshot instead of
            # every new row.
            self.index()
        return report

    def add_domain(
        self,
        domain: object,
        /,
        *,
        scope: str = "all",
        reason: str = "manual",
        source: str | None = None,
        now: datetime | None = None,
    ) -> bool:
        """Suppress every address at a domain (rule 6 normalises it); True when new.

        A wildcard ``"*.example.com"`` suppresses every subdomain at any depth
        (``a.example.com``, ``b.a.example.com``), not ``example.com`` itself:
        add both for both. It needs at least two labels after ``*.``.

        Raises:
            InvalidDomainError: ``domain`` is not a domain name, or a malformed
                or too broad wildcard (``*example.com``, ``a.*.b``, ``*.com``).
            ValueError: unknown ``scope`` or ``reason``, or a bad ``source`` label.
            ReadOnlyListError: the list was opened read-only.
        """
        return _entries.add_value(
            self._session,
            self._matter,
            KIND_DOMAIN,
            "add_domain",
            domain,
            scope,
            reason,
            source,
            now,
        )

    # -- clients' hashed files (store/_foreign.py) --------------------------------------

    def add_foreign_hashes(
        self,
        values: Iterable[object] | pd.Series,
        /,
        *,
        kind: str,
        scope: str = "all",
        reason: str = "import",
        source: str | None = None,
        now: datetime | None = None,
    ) -> AddReport:
        """Suppress the people of a client's hashed do-not-mail file, in one durable transaction.

        Only the keyed hash of each digest is stored (``docs/clients-files.md``).

        Args:
            values: hex (either case) or base64 (standard or URL-safe, padded
                or not) digests, any iterable or a Series.
            kind: ``"md5"``, ``"sha1"``, ``"sha256"`` (of the address stripped
                and lower-cased, like Mailchimp's ``subscriber_hash``) or
                ``"sha256-v1"`` (of our canonical form v1).
            scope, reason, source, now: as for :meth:`add_many`.

        Returns:
            An :class:`AddReport` with ``kind``; a value of the wrong length or
            alphabet is invalid (its 0-based position given), never stored.

        Raises:
            InvalidOptionError: an unknown option or a bad ``source`` label.
            TypeError: a single string or a whole DataFrame was passed.
            ReadOnlyListError: the list was opened read-only.
        """
        report = _foreign.add_foreign_hashes(
            self._session,
            self._matter,
            values,
            kind=kind,
            scope=scope,
            reason=reason,
            source=source,
            now=now,
        )
        return self._after_bulk(report)

    # -- removing ----------------------------------------------------------------------

    def remove(
        self,
        email: object,
        /,
        *,
        scope: str | None = None,
        reason: str = "resubscribed",
        now: datetime | None = None,
    ) -> bool:
        """Lift the suppression of one address, for a person who gave fresh consent.

        ``scope=None`` removes every scope of the address, a named scope only
        that one. A domain entry covering the address stays (see
        :meth:`remove_domain`). The audit log records the removal (counts only).

        Returns:
            True when at least one entry was removed.

        Raises:
            InvalidEmailError: ``email`` is not an address.
            ValueError: unknown ``scope`` or ``reason``.
            ReadOnlyListError: the list was opened read-only.
        """
        return _entries.remove_value(
            self._session, self._matter, KIND_EMAIL, "remove", email, scope, reason, now
        )

    def remove_domain(
        self,
        domain: object,
        /,
        *,
        scope: str | None = None,
        reason: str = "manual",
        now: datetime | None = None,
    ) -> bool:
        """Lift a domain or wildcard suppression (``scope=None``: every scope); True when removed.

        ``"*.example.com"`` lifts the wildcard entry only, not an entry for
        ``example.com`` or for one of its subdomains.

        Raises:
            InvalidDomainError: ``domain`` is not a domain name or wildcard.
            ValueError: unknown ``scope`` or ``reason``.
            ReadOnlyListError: the list was opened read-only.
        """
        return _entries.remove_value(
            self._session, self._matter, KIND_DOMAIN, "remove_domain", domain, scope, reason, now
        )

    # -- membership --------------------------------------------------------------------

    def __contains__(self, email: object) -> bool:
        """Tell whether an address is suppressed in any scope; False for non-addresses."""
        try:
            canonical = normalize_email(email)
        except ValueError:
            return False
        return _entries.lookup(self._session, self._matter, canonical, email, CHANNELS[None])

    def is_suppressed(self, email: object, /, *, channel: str | None = None) -> bool:
        """Tell whether an address must not be contacted on ``channel``.

        ``"newsletter"`` is blocked by scopes ``all`` and ``newsletter``,
        ``"post"`` by ``all`` and ``post``, ``None`` by any scope; an entry for
        the address's domain counts like one for the address.

        Raises:
            InvalidEmailError: ``email`` is not an address.
            ValueError: unknown ``channel``.
        """
        scopes = channel_scopes(channel)
        canonical = normalize_email(email)
        return _entries.lookup(self._session, self._matter, canonical, email, scopes)

    def __len__(self) -> int:
        """The number of distinct suppressed addresses and domains."""
        return _entries.count(self._session)

    # -- the in-memory index and filtering ------------------------------------------------

    def index(self) -> SuppressionIndex:
        """Return the compact in-memory index of the list, loading it when needed.

        Cached on this instance; brought up to date when the list's
        :meth:`data_version` moved (a write through any connection): on
        PostgreSQL only the entries written since are fetched. When the
        list is writable, loading it may write a new index snapshot (see
        ``store._snapshot``); the pages this frees are then returned to the
        file system.
        """
        return _snapshot.cached_index(self._session)

    def filter(
        self,
        frame: pd.DataFrame,
        /,
        *,
        column: Hashable | None = None,
        channel: str | None = None,
        on_invalid: str = "exclude",
        dedupe: bool = True,
        source: str | None = None,
        now: datetime | None = None,
        workers: int | None = None,
    ) -> FilterResult:
        """Filter an imported mailing DataFrame against this list.

        Each row gets one outcome, in this order: invalid (missing or not an
        address), suppressed, duplicate (``dedupe``: a later row with the same
        canonical address as an earlier kept row), kept. The input is never
        modified; the run's counts (never an address) go to the audit log.

        Args:
            frame: the mailing database.
            column: the address column; found by name when None.
            channel: ``None`` (any scope suppresses), ``"newsletter"`` or ``"post"``.
            on_invalid: ``"exclude"`` (default) or ``"keep"`` rows without a
                usable address; they are reported either way.
            dedupe: drop later rows with an address already kept.
            source: label for the audit log; defaults to the file name that
                ``read_mailing_file`` recorded in ``frame.attrs``.
            now: the time recorded in the audit log (default: the current UTC time).
            workers: deprecated and ignored (a ``DeprecationWarning``); for
                several cores use :mod:`locosuppress.dask` (``docs/dask.md``).

        Returns:
            A :class:`~locosuppress.FilterResult` with ``kept``, ``report`` and
            the index labels of the removed rows.

        Raises:
            SchemaError: no, several, or a missing address column.
            LocosuppressError: the list is closed, unreadable or damaged; no
                result is returned (fail closed).
        """
        accept_workers(workers)
        result = filter_frame(
            frame,
            self.index(),
            self._matter,
            column=column,
            channel=channel,
            on_invalid=on_invalid,
            dedupe=dedupe,
        )
        return attrs.evolve(
            result,
            report=self.record_filter_run(result.report, source=_label_of(frame, source), now=now),
        )

    def copy_to(
        self,
        location: str | os.PathLike[str],
        /,
        *,
        schema: str = "locosuppress",
        now: datetime | None = None,
    ) -> AddReport:
        """Copy the whole list into a new or empty list, on either backend, with the same key.

        The way to move a list: from a SQLite file to PostgreSQL, back, or
        between servers. The target is created when missing (a file, or a
        schema in an existing database) and must hold no entries; every entry
        keeps its scope, reason, time and source label, and the audit log
        comes along. One transaction: a failed copy leaves the target empty.

        Args:
            location: the target list file or ``postgresql://`` URL.
            schema: the target's PostgreSQL schema.
            now: the time recorded for the target's creation and ``copy`` row.

        Returns:
            An :class:`AddReport` (``added``: the entries copied).

        Raises:
            OutputExistsError: the target already holds entries.
            KeyMismatchError: the target was made with another key.
        """
        with SuppressionList.open(location, self._matter, schema=schema, now=now) as target:
            return _transfer.copy(self._session, target._session, at=epoch_seconds(now))

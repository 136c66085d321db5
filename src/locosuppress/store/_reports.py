"""The report values of the suppression list: what a write did, what it holds.

Frozen attrs classes, each with ``to_dict()`` (JSON-ready), a text form
(``str``) and an HTML form for notebooks. They hold counts, positions, times,
file names and fingerprints: never an address, a canonical form or a hash.
Also the two time helpers every write uses: :func:`utc` (the ``now=``
argument, checked) and :func:`iso` (a time as the list records it).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import attrs

from locosuppress.errors import InvalidOptionError, ListCorruptedError
from locosuppress.reports import render_html, render_text

__all__ = ["AddReport", "ExportReport", "ListStats", "VerifyReport", "epoch_seconds", "iso", "utc"]


def utc(now: datetime | None) -> datetime:
    """The time to record: ``now`` in UTC, or the current time when None.

    Raises:
        InvalidOptionError: ``now`` is not one datetime (a Series, an array,
            text, a number, a date), or a naive one.
    """
    if now is None:
        return datetime.now(UTC)
    if not isinstance(now, datetime):
        raise InvalidOptionError(
            f"now must be one timezone-aware datetime (UTC), not a {type(now).__name__}: "
            "one time is recorded per call, e.g. datetime.now(UTC)"
        )
    if now.tzinfo is None or now.utcoffset() is None:
        raise InvalidOptionError("now must be one timezone-aware datetime (UTC), not a naive one")
    return now.astimezone(UTC)


def epoch_seconds(now: datetime | None) -> int:
    """The time to record (see :func:`utc`), as integer seconds since the epoch."""
    return int(utc(now).timestamp())


def iso(moment: datetime) -> str:
    """A UTC time as ``YYYY-MM-DDTHH:MM:SSZ``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _with_iso_time(report: ListStats | ExportReport) -> dict[str, Any]:
    """A report's fields as plain values, its ``created_at`` as ISO text."""
    data = attrs.asdict(report)
    data["created_at"] = iso(report.created_at)
    return data


@attrs.frozen
class AddReport:
    """What an ``add_many`` or ``merge`` did: every input is counted exactly once.

    Attributes:
        added: inputs that created a new entry (for the scope given).
        already_present: valid inputs whose entry existed, including repeats
            within the same call (the first counts as added).
        invalid: inputs that are not addresses (missing, not text, or failing
            the normalisation rules); nothing was stored for them.
        invalid_positions: 0-based positions of the invalid inputs, in the
            order given (positions, not index labels, for a Series).
        kind: the kind of entry added, when the call added one kind other
            than addresses (``add_foreign_hashes``: ``"md5"``, ``"sha1"``,
            ``"sha256"`` or ``"sha256-v1"``); None otherwise.
    """

    added: int
    already_present: int
    invalid: int = 0
    invalid_positions: tuple[int, ...] = ()
    kind: str | None = None

    @property
    def total(self) -> int:
        """The number of inputs: ``added + already_present + invalid``."""
        return self.added + self.already_present + self.invalid

    def to_dict(self) -> dict[str, Any]:
        """Return the counts and positions as plain Python values."""
        out: dict[str, Any] = {
            "total": self.total,
            "added": self.added,
            "already_present": self.already_present,
            "invalid": self.invalid,
            "invalid_positions": list(self.invalid_positions),
        }
        if self.kind is not None:
            out["kind"] = self.kind
        return out

    def _rows(self) -> list[tuple[str, Any]]:
        rows: list[tuple[str, Any]] = [] if self.kind is None else [("kind", self.kind)]
        return [
            *rows,
            ("inputs", self.total),
            ("added", self.added),
            ("already present", self.already_present),
            ("invalid", self.invalid),
        ]

    def _notes(self) -> list[str]:
        if not self.invalid_positions:
            return []
        shown = ", ".join(str(p) for p in self.invalid_positions[:10])
        more = f" and {len(self.invalid_positions) - 10:,} more" if self.invalid > 10 else ""
        return [f"invalid inputs at positions {shown}{more} (0-based); nothing stored for them"]

    def __str__(self) -> str:
        return render_text("Suppression list: added", self._rows(), notes=self._notes())

    def _repr_html_(self) -> str:
        return render_html("Suppression list: added", self._rows(), notes=self._notes())


@attrs.frozen
class ListStats:
    """Counts of a suppression list, for people and dashboards (no hashes, no addresses).

    Attributes:
        total: distinct entries of every kind (``len(list)``).
        emails, domains: the addresses and domains among them.
        other_kinds: distinct entries of each other kind present (``wildcard``,
            ``md5``, ``sha1``, ``sha256``, ``sha256-v1``); the rest of ``total``.
        entries: rows, one per (address or domain, scope).
        by_scope, by_reason: entries per scope and per reason (all listed).
        by_month: entries per month added, ``"YYYY-MM"`` in UTC, oldest first.
    """

    total: int
    emails: int
    domains: int
    entries: int
    by_scope: dict[str, int]
    by_reason: dict[str, int]
    by_month: dict[str, int]
    fingerprint: str
    normalization: str
    format_version: int
    created_at: datetime
    other_kinds: dict[str, int] = attrs.field(factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the statistics as plain Python values (``created_at`` as ISO text)."""
        return _with_iso_time(self)

    def _rows(self) -> list[tuple[str, Any]]:
        rows: list[tuple[str, Any]] = [
            ("suppressed (distinct)", self.total),
            ("e-mail addresses", self.emails),
            ("domains", self.domains),
            *((f"{kind} entries", n) for kind, n in self.other_kinds.items()),
            ("entries (per scope)", self.entries),
        ]
        rows += [(f"scope {k}", v) for k, v in self.by_scope.items()]
        rows += [(f"reason {k}", v) for k, v in self.by_reason.items()]
        rows += [(f"added {k}", v) for k, v in self.by_month.items()]
        rows += [
            ("key fingerprint", self.fingerprint),
            ("normalisation", self.normalization),
            ("format version", self.format_version),
            ("created", iso(self.created_at)),
        ]
        return rows

    def __str__(self) -> str:
        return render_text("Suppression list", self._rows())

    def _repr_html_(self) -> str:
        return render_html("Suppression list", self._rows())


@attrs.frozen
class VerifyReport:
    """The result of :meth:`SuppressionList.verify`.

    ``ok`` is true when SQLite's integrity check and every invariant of the
    list hold; otherwise ``problems`` says what is wrong (never a hash or an
    address). Scripts and the CLI should exit non-zero when ``ok`` is false,
    or call :meth:`raise_for_problems`.
    """

    problems: tuple[str, ...]
    entries: int
    pending: int
    quick: bool
    #: The key fingerprints of the chain the list holds, oldest first (one
    #: before any rotation): after an interrupted rotation, which chain it is.
    chain: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems

    def raise_for_problems(self) -> None:
        """Raise :class:`ListCorruptedError` listing the problems, if there are any.

        Raises:
            ListCorruptedError: ``ok`` is false.
        """
        if self.problems:
            raise ListCorruptedError(
                "the suppression list failed verification: " + "; ".join(self.problems)
            )

    def to_dict(self) -> dict[str, Any]:
        """Return the result as plain Python values."""
        return {
            "ok": self.ok,
            "problems": list(self.problems),
            "entries": self.entries,
            "pending": self.pending,
            "quick": self.quick,
            "chain": list(self.chain),
        }

    def _rows(self) -> list[tuple[str, Any]]:
        check = "quick" if self.quick else "full"
        return [
            ("ok", self.ok),
            ("storage check", check),
            ("entries", self.entries),
            ("pending index updates", self.pending),
            ("key chain", " -> ".join(self.chain)),
            ("problems", len(self.problems)),
        ]

    def __str__(self) -> str:
        return render_text("Suppression list: verify", self._rows(), notes=self.problems)

    def _repr_html_(self) -> str:
        return render_html("Suppression list: verify", self._rows(), notes=self.problems)


@attrs.frozen
class ExportReport:
    """What :meth:`SuppressionList.export` wrote."""

    path: str
    count: int
    channel: str | None
    fingerprint: str
    normalization: str
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """Return the report as plain Python values (``created_at`` as ISO text)."""
        return _with_iso_time(self)

    def _rows(self) -> list[tuple[str, Any]]:
        return [
            ("file", self.path),
            ("hashes", self.count),
            ("channel", self.channel or "all channels"),
            ("key fingerprint", self.fingerprint),
            ("normalisation", self.normalization),
            ("created", iso(self.created_at)),
        ]

    def __str__(self) -> str:
        return render_text("Suppression list: export", self._rows())

    def _repr_html_(self) -> str:
        return render_html("Suppression list: export", self._rows())

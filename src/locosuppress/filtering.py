"""Filter an imported mailing database against a suppression list.

The flow goes one way: find the address column, normalise it (vectorised),
hash the canonical forms with the list's e-mail subkey, look the hashes up in
the list's compact index (plus the domain entries), decide one outcome per
row, take the kept rows, and count everything in a :class:`FilterReport`.

Each row gets exactly one outcome, decided in this order: *invalid* (missing
or not an address), *suppressed*, *duplicate* (a later row whose canonical
address equals that of an earlier kept row), *kept*. Always::

    total == kept + suppressed + invalid (when excluded) + duplicates

Nothing here writes a file; the run's counts (never an address) go to the
list's audit log through the store.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping
from typing import TYPE_CHECKING, Any, Final, Literal

import attrs
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from locosuppress._index import SCOPE_ALL, SCOPE_NEWSLETTER, SCOPE_POST, SuppressionIndex
from locosuppress.errors import SchemaError
from locosuppress.keys import HashingMaterial
from locosuppress.normalize import canonical_arrow
from locosuppress.reports import render_html, render_text

if TYPE_CHECKING:
    from locosuppress.store import SuppressionList

__all__ = [
    "ADDRESS_COLUMN_NAMES",
    "CHANNELS",
    "FilterReport",
    "FilterResult",
    "channel_mask",
    "filter_frame",
    "find_address_column",
]

Channel = Literal["newsletter", "post"] | None
OnInvalid = Literal["exclude", "keep"]

CHANNELS: Final = (None, "newsletter", "post")
_CHANNEL_MASK: Final[Mapping[str | None, int]] = {
    None: SCOPE_ALL | SCOPE_NEWSLETTER | SCOPE_POST,
    "newsletter": SCOPE_ALL | SCOPE_NEWSLETTER,
    "post": SCOPE_ALL | SCOPE_POST,
}
_SCOPE_ORDER: Final = (("all", SCOPE_ALL), ("newsletter", SCOPE_NEWSLETTER), ("post", SCOPE_POST))

#: Column names recognised as the address column, compared after removing
#: everything but letters and digits and lower-casing (so ``E-mail adres``,
#: ``EMAIL_ADDRESS`` and ``e_mail`` all match).
ADDRESS_COLUMN_NAMES: Final = frozenset(
    {
        "email", "emailaddress", "emailadres", "emailadresse", "mail", "mailadres",
        "mailaddress", "emailaddr", "courriel", "epost", "eposta", "emailid",
        "contactemail", "emailcontact", "primaryemail", "emails", "mailadresse",
    }
)
_SQUASH: Final = re.compile(r"[^0-9a-z]+")


def channel_mask(channel: str | None) -> int:
    """Scope bits that block ``channel`` (None: any scope)."""
    try:
        return _CHANNEL_MASK[channel]
    except KeyError:
        raise ValueError(
            f"unknown channel {channel!r}; use None (any scope), 'newsletter' or 'post'"
        ) from None


def find_address_column(frame: pd.DataFrame, /, column: Hashable | None = None) -> Hashable:
    """Return the label of the address column, named or found by its name.

    Raises:
        SchemaError: the named column is missing, or none or several columns
            look like an address column (the message lists the columns).
    """
    columns = list(frame.columns)
    if column is not None:
        hits = [c for c in columns if c == column]
        if len(hits) != 1:
            problem = "is not a column" if not hits else "appears more than once"
            raise SchemaError(f"{column!r} {problem}; the columns are {columns!r}")
        return column
    found = [c for c in columns if _SQUASH.sub("", str(c).lower()) in ADDRESS_COLUMN_NAMES]
    if len(found) == 1:
        return found[0]
    if not found:
        raise SchemaError(
            f"no address column found among {columns!r}; name it with column=..."
        )
    raise SchemaError(
        f"several columns look like addresses: {found!r}; choose one with column=..."
    )


@attrs.frozen(kw_only=True)
class FilterReport:
    """What a filter run removed and why: counts only, never an address."""

    total: int
    kept: int
    suppressed: int
    suppressed_by_scope: Mapping[str, int]
    suppressed_by_entry: Mapping[str, int]
    invalid: int
    missing: int
    invalid_excluded: bool
    duplicates: int
    channel: str | None
    column: str
    list_fingerprint: str | None = None
    audited: bool = False
    dedupe: bool = True

    def __attrs_post_init__(self) -> None:
        counted = self.kept + self.suppressed + self.duplicates
        counted += self.invalid if self.invalid_excluded else 0
        if counted != self.total:  # pragma: no cover - guarded by property tests
            raise AssertionError("filter report does not add up")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict of every field."""
        d = attrs.asdict(self)
        d["suppressed_by_scope"] = dict(self.suppressed_by_scope)
        d["suppressed_by_entry"] = dict(self.suppressed_by_entry)
        return d

    def __add__(self, other: FilterReport) -> FilterReport:
        """Sum two reports of the same kind of run (used for partitions)."""
        if not isinstance(other, FilterReport):
            return NotImplemented
        return attrs.evolve(
            self,
            total=self.total + other.total,
            kept=self.kept + other.kept,
            suppressed=self.suppressed + other.suppressed,
            suppressed_by_scope=_add(self.suppressed_by_scope, other.suppressed_by_scope),
            suppressed_by_entry=_add(self.suppressed_by_entry, other.suppressed_by_entry),
            invalid=self.invalid + other.invalid,
            missing=self.missing + other.missing,
            duplicates=self.duplicates + other.duplicates,
            audited=self.audited and other.audited,
        )

    def _rows(self) -> list[tuple[str, Any]]:
        invalid_label = "invalid (excluded)" if self.invalid_excluded else "invalid (kept)"
        return [
            ("rows in", self.total),
            ("kept", self.kept),
            ("suppressed", self.suppressed),
            ("  by scope", dict(self.suppressed_by_scope)),
            ("  by entry", dict(self.suppressed_by_entry)),
            (invalid_label, self.invalid),
            ("  of which missing", self.missing),
            ("duplicates removed", self.duplicates if self.dedupe else "not checked"),
            ("channel", self.channel or "any"),
            ("address column", self.column),
            ("list key", self.list_fingerprint),
        ]

    def _notes(self) -> list[str]:
        if self.audited:
            return []
        return ["this run was not written to the list's audit log (list opened read-only)"]

    def __str__(self) -> str:
        return render_text("locosuppress filter report", self._rows(), notes=self._notes())

    def _repr_html_(self) -> str:
        return render_html("locosuppress filter report", self._rows(), notes=self._notes())


def _add(a: Mapping[str, int], b: Mapping[str, int]) -> dict[str, int]:
    return {k: a.get(k, 0) + b.get(k, 0) for k in dict.fromkeys([*a, *b])}


@attrs.frozen(kw_only=True, repr=False)
class FilterResult:
    """The kept rows, the report, and the index labels of the removed rows."""

    kept: pd.DataFrame
    report: FilterReport
    suppressed_index: pd.Index
    invalid_index: pd.Index
    duplicate_index: pd.Index

    def __repr__(self) -> str:
        return f"FilterResult(kept={len(self.kept)} rows, report=...)\n{self.report}"

    def _repr_html_(self) -> str:
        return self.report._repr_html_()

    def to_dict(self) -> dict[str, Any]:
        """The report as a dict (the frames are not included)."""
        return self.report.to_dict()


@attrs.frozen(kw_only=True)
class _Outcome:
    """Per-row outcome arrays of one filter run (positions, not labels)."""

    invalid: np.ndarray[Any, np.dtype[np.bool_]]
    missing: np.ndarray[Any, np.dtype[np.bool_]]
    suppressed: np.ndarray[Any, np.dtype[np.bool_]]
    duplicate: np.ndarray[Any, np.dtype[np.bool_]]
    by_scope: dict[str, int]
    by_entry: dict[str, int]


def _domains_of(canonical: pa.Array) -> pa.Array:
    return pc.replace_substring_regex(canonical, r"^[^@]*@", "")


def _outcome(
    values: pd.Series,
    index: SuppressionIndex,
    material: HashingMaterial,
    *,
    channel: str | None,
    dedupe: bool,
) -> _Outcome:
    mask = channel_mask(channel)
    canonical = canonical_arrow(values)
    valid = np.asarray(canonical.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    invalid = ~valid
    missing = invalid & np.asarray(values.isna().to_numpy(), dtype=bool)
    if invalid.any():
        # Empty and blank text counts as missing, not as a malformed address.
        as_text = values.astype(object)
        blank = np.fromiter(
            (isinstance(v, str) and not v.strip() for v in as_text.to_numpy()[invalid]),
            dtype=bool,
        )
        missing[np.flatnonzero(invalid)[blank]] = True

    digests = material.hash_canonical_array(canonical)
    email_bits = index.lookup(digests) & mask
    email_bits[invalid] = 0
    domain_bits = np.zeros(len(values), dtype=np.uint8)
    if index.domain_count:
        encoded = _domains_of(canonical).dictionary_encode()
        hashes = [material.hash_canonical_domain(d) for d in encoded.dictionary.to_pylist()]
        per_domain = np.asarray(index.lookup_domains(hashes), dtype=np.uint8)
        codes = encoded.indices.to_numpy(zero_copy_only=False)
        domain_bits[valid] = per_domain[codes[valid].astype(np.int64)] & mask
    suppressed = (email_bits | domain_bits) != 0

    by_entry = {
        "address": int(np.count_nonzero(email_bits)),
        "domain": int(np.count_nonzero(suppressed & (email_bits == 0))),
    }
    by_scope: dict[str, int] = {}
    deciding = np.where(email_bits != 0, email_bits, domain_bits)
    taken = np.zeros(len(values), dtype=bool)
    for name, bit in _SCOPE_ORDER:
        hit = ((deciding & bit) != 0) & ~taken
        by_scope[name] = int(np.count_nonzero(hit))
        taken |= hit

    duplicate = np.zeros(len(values), dtype=bool)
    if dedupe:
        candidates = np.flatnonzero(valid & ~suppressed)
        if len(candidates):
            duplicate[candidates[_duplicated(digests[candidates], canonical, candidates)]] = True
    return _Outcome(
        invalid=invalid,
        missing=missing,
        suppressed=suppressed,
        duplicate=duplicate,
        by_scope=by_scope,
        by_entry=by_entry,
    )


def _duplicated(
    digests: np.ndarray[Any, np.dtype[np.uint8]],
    canonical: pa.Array,
    positions: np.ndarray[Any, np.dtype[np.intp]],
) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Mark every digest equal to an earlier one (exact, fast).

    Factorises the first 8 bytes of each hash (a uint64 hash table is cheap),
    then confirms every candidate against the full canonical form of the
    first row with the same prefix, so a prefix collision never merges two
    different people.
    """
    first_word = np.ascontiguousarray(digests[:, :8]).view("<u8").ravel()
    codes, uniques = pd.factorize(first_word)
    _, first_of_code = np.unique(codes, return_index=True)
    first_row = first_of_code[codes]
    dup = first_row != np.arange(len(codes))
    if dup.any():
        rows = np.flatnonzero(dup)
        same = np.asarray(
            (digests[rows] == digests[first_row[rows]]).all(axis=1), dtype=bool
        )
        if not same.all():  # pragma: no cover - a 64-bit prefix collision
            forms = pd.Series(
                pd.arrays.ArrowStringArray(canonical.take(pa.array(positions)))
            )
            return np.asarray(forms.duplicated(keep="first").to_numpy(), dtype=bool)
    return dup


def filter_frame(
    frame: pd.DataFrame,
    index: SuppressionIndex,
    material: HashingMaterial,
    /,
    *,
    column: Hashable | None = None,
    channel: str | None = None,
    on_invalid: str = "exclude",
    dedupe: bool = True,
) -> tuple[FilterResult, dict[str, int]]:
    """Filter ``frame`` against an index; the engine behind ``SuppressionList.filter``.

    Returns the result and the counts for the audit log. Works on any index
    and hashing material, so the Dask path can run it on workers.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(
            f"filter takes a pandas DataFrame, not {type(frame).__name__}; "
            "read files with locosuppress.read_mailing_file"
        )
    if on_invalid not in ("exclude", "keep"):
        raise ValueError(f"on_invalid must be 'exclude' or 'keep', not {on_invalid!r}")
    channel_mask(channel)
    label = find_address_column(frame, column)
    values = frame[label]
    out = _outcome(values, index, material, channel=channel, dedupe=dedupe)
    removed = out.suppressed | out.duplicate
    if on_invalid == "exclude":
        removed = removed | out.invalid
    keep_positions = np.flatnonzero(~removed)
    kept = frame.take(keep_positions)
    kept.attrs = dict(frame.attrs)
    labels = frame.index
    report = FilterReport(
        total=len(frame),
        kept=len(keep_positions),
        suppressed=int(out.suppressed.sum()),
        suppressed_by_scope=out.by_scope,
        suppressed_by_entry=out.by_entry,
        invalid=int(out.invalid.sum()),
        missing=int(out.missing.sum()),
        invalid_excluded=on_invalid == "exclude",
        duplicates=int(out.duplicate.sum()),
        channel=channel,
        column=str(label),
        list_fingerprint=material.fingerprint,
        dedupe=dedupe,
    )
    result = FilterResult(
        kept=kept,
        report=report,
        suppressed_index=labels[out.suppressed],
        invalid_index=labels[out.invalid],
        duplicate_index=labels[out.duplicate],
    )
    return result, {
        "total": report.total,
        "kept": report.kept,
        "suppressed": report.suppressed,
        "invalid": report.invalid,
        "duplicates": report.duplicates,
    }


def filter_with_list(
    lst: SuppressionList,
    frame: pd.DataFrame,
    /,
    *,
    column: Hashable | None = None,
    channel: str | None = None,
    on_invalid: str = "exclude",
    dedupe: bool = True,
    source: str | None = None,
) -> FilterResult:
    """``SuppressionList.filter``: filter, then write the counts to the audit log."""
    index = lst.index()
    result, counts = filter_frame(
        frame,
        index,
        lst.hashing_material(),
        column=column,
        channel=channel,
        on_invalid=on_invalid,
        dedupe=dedupe,
    )
    if source is None:
        meta = frame.attrs.get("locosuppress")
        source = meta.get("source") if isinstance(meta, Mapping) else None
    audited = lst._record_filter_run(**counts, channel=channel, source=source)
    return attrs.evolve(result, report=attrs.evolve(result.report, audited=audited))

"""Anonymise open and click events after 12 months; erase one contact's events now.

An anonymised event still says that something happened (which campaign, which
link, what kind of event, on which day) and no longer says who did it:

* every column not on the allow-list ``keep`` becomes missing (NA), so an
  unknown column such as ``klant_id`` or ``notes`` is emptied, not kept;
* the timestamp is floored to the day (or hour, or month) in ``tz``;
* kept text loses URL query parameters outside ``keep_query_params``, URL
  fragments and user-info, and every e-mail address in it;
* before the identifying columns are emptied, the events are counted per group
  (kept values and time bucket), with the number of distinct people, so that
  unique opens and clicks survive as aggregates.

Nothing here writes to disk or logs values. The input frame is never modified.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import re
from collections.abc import Callable, Collection, Hashable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from locosuppress._columns import (
    Codes,
    arrow_strings,
    combine_codes,
    empty,
    factorize,
    first_positions,
    is_text,
    nullable,
)
from locosuppress._kept import Scrubbed, scrub_column
from locosuppress._scrub import EMAIL_PLACEHOLDER
from locosuppress._times import (
    RESOLUTIONS,
    Resolution,
    TimeColumn,
    cutoff,
    resolve_tz,
    time_column,
)
from locosuppress.errors import InvalidOptionError, SchemaError
from locosuppress.normalize import normalize_email, normalize_emails
from locosuppress.reports import Row, render_html, render_text

__all__ = [
    "DEFAULT_KEEP",
    "DEFAULT_KEEP_QUERY_PARAMS",
    "EMAIL_PLACEHOLDER",
    "AnonymisationReport",
    "AnonymisationResult",
    "anonymise_events",
    "erase_contact",
    "identity_columns",
]

#: Column names (compared case-insensitively) kept on anonymised rows when ``keep=None``.
DEFAULT_KEEP: frozenset[str] = frozenset(
    {
        "campaign",
        "campaign_id",
        "campaign_name",
        "mailing",
        "mailing_id",
        "newsletter",
        "newsletter_id",
        "event",
        "event_type",
        "type",
        "url",
        "link",
        "link_id",
        "link_url",
    }
)

#: Query parameters that may stay in kept URLs by default.
DEFAULT_KEEP_QUERY_PARAMS: tuple[str, ...] = ("utm_source", "utm_medium", "utm_campaign")

_T = TypeVar("_T")

# Frames from this many rows up are worked on with a few threads, one column each.
_PARALLEL_ROWS = 200_000

# Column names that identify a person, compared after lower-casing and dropping
# everything but letters and digits ("E-mail adres" -> "emailadres").
_ADDRESS_NAMES = (
    "email",
    "emailaddress",
    "emailadres",
    "mail",
    "mailaddress",
    "mailadres",
    "recipient",
    "recipientemail",
    "subscriberemail",
    "contactemail",
    "useremail",
    "ontvanger",
)
_CONTACT_NAMES = (
    "contactid",
    "contact",
    "contactnummer",
    "subscriberid",
    "subscriber",
    "recipientid",
    "userid",
    "user",
    "memberid",
    "customerid",
    "klantid",
    "klantnummer",
    "relatieid",
    "relatienummer",
    "personid",
    "profileid",
    "leadid",
    "visitorid",
    "uid",
)


def _squash(name: Hashable) -> str:
    return re.sub(r"[^0-9a-z]", "", str(name).casefold())


def _find(columns: Iterable[Hashable], names: Sequence[str]) -> Hashable | None:
    """The first column (in frame order) whose squashed name is in ``names``."""
    for column in columns:
        if isinstance(column, str) and _squash(column) in names:
            return column
    return None


def identity_columns(events: pd.DataFrame, /) -> tuple[Hashable, ...]:
    """The column that tells who an event belongs to, as the anonymiser detects it.

    The first e-mail-like column (``email``, ``e-mail``, ``emailadres``, ...),
    else the first contact-id-like column (``contact_id``, ``klant_id``,
    ``subscriber_id``, ...); empty when there is none.
    """
    return _detect_identity(events.columns)


def _detect_identity(columns: Iterable[Hashable]) -> tuple[Hashable, ...]:
    columns = list(columns)
    found = _find(columns, _ADDRESS_NAMES)
    if found is None:
        found = _find(columns, _CONTACT_NAMES)
    return () if found is None else (found,)


# -- the report -------------------------------------------------------------


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" + ("" if number == 1 else "s")


@attrs.frozen(kw_only=True)
class AnonymisationReport:
    """What one anonymisation (or erasure) did, for a privacy officer.

    Attributes:
        rows_seen: rows in the input.
        rows_selected: rows anonymised by this call's rule: the old ones (or,
            for an erasure, the contact's), including already anonymous ones.
        rows_anonymised: selected rows that changed now.
        rows_already_anonymous: selected rows that were already anonymous.
        rows_missing_timestamp: selected rows whose timestamp was missing or
            unreadable (they count as old: fail closed).
        cutoff: events strictly before this instant are old; None for an erasure.
        months: the age limit in calendar months; None for an erasure.
        erasure: whether this was :func:`erase_contact`.
        timestamp: the timestamp column.
        resolution: what timestamps were floored to (None: left).
        tz: the zone of the wall clock for month arithmetic and flooring.
        columns_kept: the allow-list as applied (besides the timestamp).
        columns_emptied: columns set to NA on the selected rows.
        identity: columns used to count distinct people (empty: not counted).
        urls_scrubbed: kept values whose URL lost query parameters, fragment or user-info.
        addresses_replaced: e-mail addresses replaced in kept values.
        groups: rows of the aggregates (distinct kept values and time bucket).
        small_groups: groups with fewer than ``k`` events.
        k: the group size below which a group is reported as small.
        plain_index: whether the index is a plain RangeIndex (other labels can
            link rows back to other tables).
    """

    rows_seen: int
    rows_selected: int
    rows_anonymised: int
    rows_already_anonymous: int
    rows_missing_timestamp: int
    cutoff: pd.Timestamp | None
    months: int | None
    erasure: bool
    timestamp: str
    resolution: str | None
    tz: str
    columns_kept: tuple[str, ...]
    columns_emptied: tuple[str, ...]
    identity: tuple[str, ...]
    urls_scrubbed: int
    addresses_replaced: int
    groups: int
    small_groups: int
    k: int
    plain_index: bool

    @property
    def notes(self) -> tuple[str, ...]:
        """Warnings worth a look: linkage risks and fail-closed decisions."""
        notes = []
        if self.rows_missing_timestamp:
            notes.append(
                f"{_count(self.rows_missing_timestamp, 'row')} had a missing or unreadable "
                "timestamp: anonymised (fail closed)"
            )
        if self.small_groups:
            notes.append(
                f"{self.small_groups:,} of {_count(self.groups, 'group')} of anonymised rows "
                f"have fewer than {self.k} events: rare combinations of kept values can "
                "point to a person"
            )
        if not self.plain_index:
            notes.append(
                "the index is not a plain RangeIndex: its labels can link anonymised rows "
                "back to other tables; reset it before storing"
            )
        if not self.identity:
            notes.append("no identity column: distinct people were not counted")
        return tuple(notes)

    def _rows(self) -> list[Row]:
        selected = (
            "events of the contact"
            if self.erasure
            else f"old events (before {self.cutoff.isoformat() if self.cutoff else '-'})"
        )
        return [
            ("rows seen", self.rows_seen),
            (selected, self.rows_selected),
            ("  anonymised now", self.rows_anonymised),
            ("  already anonymous", self.rows_already_anonymous),
            ("  missing timestamp", self.rows_missing_timestamp),
            ("age limit (months)", self.months),
            ("time zone", self.tz),
            (f"{self.timestamp} floored to", self.resolution or "not floored"),
            ("columns kept", self.columns_kept),
            ("columns emptied", self.columns_emptied),
            ("people counted from", self.identity or "not counted"),
            ("URLs scrubbed", self.urls_scrubbed),
            ("addresses replaced", self.addresses_replaced),
            ("groups", self.groups),
            (f"groups under {self.k} events", self.small_groups),
            ("plain index", self.plain_index),
        ]

    @property
    def _title(self) -> str:
        return "locosuppress erasure" if self.erasure else "locosuppress anonymisation"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (the cutoff as ISO 8601 text)."""
        out = attrs.asdict(self, recurse=False)
        out["cutoff"] = None if self.cutoff is None else self.cutoff.isoformat()
        for name in ("columns_kept", "columns_emptied", "identity"):
            out[name] = list(out[name])
        out["notes"] = list(self.notes)
        return out

    def __str__(self) -> str:
        return render_text(self._title, self._rows(), notes=self.notes)

    def _repr_html_(self) -> str:
        return render_html(self._title, self._rows(), notes=self.notes)


@attrs.frozen(eq=False)
class AnonymisationResult:
    """The anonymised events, the report, and the per-group counts.

    Attributes:
        events: same rows, order, index and columns as the input.
        report: what was done (see :class:`AnonymisationReport`).
        aggregates: one row per group of anonymised rows (kept values after
            scrubbing and the coarsened timestamp) with ``events`` and
            ``people`` (distinct people, NA when there is no identity column).
    """

    events: pd.DataFrame
    report: AnonymisationReport
    aggregates: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        """The report as plain values, with the number of aggregate rows."""
        return {"report": self.report.to_dict(), "aggregate_rows": len(self.aggregates)}

    def __str__(self) -> str:
        return str(self.report)

    def _repr_html_(self) -> str:
        return self.report._repr_html_()


# -- the plan: options checked once, against the columns ---------------------


@attrs.frozen(kw_only=True)
class _Plan:
    """Validated options, resolved against the frame's columns."""

    timestamp: Hashable
    keep: tuple[Hashable, ...]
    emptied: tuple[Hashable, ...]
    identity: tuple[Hashable, ...]
    resolution: Resolution
    tz: dt.tzinfo
    keep_query_params: frozenset[str]
    k: int
    cutoff: pd.Timestamp | None = None
    cutoff_wall: pd.Timestamp | None = None
    months: int | None = None

    def report(
        self, counts: _Counts, aggregates: pd.DataFrame, *, events_name: str
    ) -> AnonymisationReport:
        selected = counts.rows_selected
        small = int((aggregates[events_name] < self.k).sum()) if len(aggregates) else 0
        return AnonymisationReport(
            rows_seen=counts.rows_seen,
            rows_selected=selected,
            rows_anonymised=counts.rows_changed,
            rows_already_anonymous=selected - counts.rows_changed,
            rows_missing_timestamp=counts.rows_missing_timestamp,
            cutoff=self.cutoff,
            months=self.months,
            erasure=self.cutoff is None,
            timestamp=str(self.timestamp),
            resolution=self.resolution,
            tz=str(self.tz),
            columns_kept=tuple(str(c) for c in self.keep),
            columns_emptied=tuple(str(c) for c in self.emptied) if selected else (),
            identity=tuple(str(c) for c in self.identity),
            urls_scrubbed=counts.urls_scrubbed,
            addresses_replaced=counts.addresses_replaced,
            groups=len(aggregates),
            small_groups=small,
            k=self.k,
            plain_index=counts.plain_index,
        )


def _check_months(months: object) -> None:
    if isinstance(months, bool) or not isinstance(months, int) or months < 0:
        raise InvalidOptionError(f"months must be a whole number of at least 0, not {months!r}")


def _names(value: Hashable | Iterable[Hashable]) -> tuple[Hashable, ...]:
    """One column name or several, as a tuple (a string is one name)."""
    if isinstance(value, str) or not isinstance(value, Iterable):
        return (value,)
    return tuple(value)


def _plan_with_cutoff(
    columns: pd.Index,
    *,
    now: Any,
    months: int,
    timestamp: Hashable,
    keep: Hashable | Iterable[Hashable] | None,
    identity: Hashable | Iterable[Hashable] | None,
    resolution: Resolution,
    tz: str | dt.tzinfo,
    keep_query_params: Collection[str],
    k: int,
) -> _Plan:
    """Check the options, plan the columns and fix the cutoff instant once."""
    _check_months(months)
    plan = _make_plan(
        columns,
        timestamp=timestamp,
        keep=keep,
        identity=identity,
        resolution=resolution,
        tz=tz,
        keep_query_params=keep_query_params,
        k=k,
    )
    instant, wall = cutoff(now, months, plan.tz)
    return attrs.evolve(plan, cutoff=instant, cutoff_wall=wall, months=months)


def _make_plan(
    columns: pd.Index,
    *,
    timestamp: Hashable,
    keep: Hashable | Iterable[Hashable] | None,
    identity: Hashable | Iterable[Hashable] | None,
    resolution: Resolution,
    tz: str | dt.tzinfo,
    keep_query_params: Collection[str],
    k: int,
) -> _Plan:
    if not columns.is_unique:
        repeated = sorted({str(c) for c in columns[columns.duplicated()]})
        raise SchemaError(f"column names must be unique; repeated: {', '.join(repeated)}")
    if timestamp not in columns:
        raise SchemaError(
            f"no timestamp column {timestamp!r}; pass timestamp= with the column that holds "
            "when each event happened"
        )
    if resolution not in RESOLUTIONS:
        raise InvalidOptionError(
            f"resolution must be 'day', 'hour', 'month' or None, not {resolution!r}"
        )
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise InvalidOptionError(f"k must be a whole number of at least 1, not {k!r}")
    params = _names(keep_query_params)
    if not all(isinstance(p, str) and p for p in params):
        raise InvalidOptionError("keep_query_params must be non-empty parameter names (text)")

    if keep is None:
        kept = tuple(c for c in columns if isinstance(c, str) and c.casefold() in DEFAULT_KEEP)
    else:
        wanted = set(_names(keep))
        unknown = [str(c) for c in wanted if c not in columns]
        if unknown:
            raise SchemaError(f"keep names columns that are not there: {', '.join(unknown)}")
        kept = tuple(c for c in columns if c in wanted)
    kept = tuple(c for c in kept if c != timestamp)

    if identity is None:
        people = _detect_identity(columns)
    else:
        people = _names(identity)
        unknown = [str(c) for c in people if c not in columns]
        if unknown:
            raise SchemaError(f"identity names columns that are not there: {', '.join(unknown)}")
        if timestamp in people:
            raise SchemaError("the timestamp column cannot be the identity column")
    identifying = [
        str(c)
        for c in kept
        if c in people or (isinstance(c, str) and _squash(c) in _ADDRESS_NAMES + _CONTACT_NAMES)
    ]
    if identifying:
        raise SchemaError(
            f"refusing to keep identifying columns on anonymised rows: {', '.join(identifying)}"
        )
    emptied = tuple(c for c in columns if c != timestamp and c not in kept)
    return _Plan(
        timestamp=timestamp,
        keep=kept,
        emptied=emptied,
        identity=people,
        resolution=resolution,
        tz=resolve_tz(tz),
        keep_query_params=frozenset(str(p) for p in params),
        k=k,
    )


# -- the work on one frame (also one Dask partition) --------------------------


@attrs.frozen(kw_only=True)
class _Counts:
    """Row and value counts of one frame or partition; they add up."""

    rows_seen: int = 0
    rows_selected: int = 0
    rows_changed: int = 0
    rows_missing_timestamp: int = 0
    urls_scrubbed: int = 0
    addresses_replaced: int = 0
    plain_index: bool = True

    def __add__(self, other: _Counts) -> _Counts:
        return _Counts(
            rows_seen=self.rows_seen + other.rows_seen,
            rows_selected=self.rows_selected + other.rows_selected,
            rows_changed=self.rows_changed + other.rows_changed,
            rows_missing_timestamp=self.rows_missing_timestamp + other.rows_missing_timestamp,
            urls_scrubbed=self.urls_scrubbed + other.urls_scrubbed,
            addresses_replaced=self.addresses_replaced + other.addresses_replaced,
            plain_index=self.plain_index and other.plain_index,
        )


@attrs.frozen(kw_only=True)
class _Outcome:
    """The anonymised frame plus what the aggregates need, for one frame."""

    events: pd.DataFrame
    counts: _Counts
    positions: npt.NDArray[np.intp]  # selected rows
    groups: Codes  # group of each selected row, by first appearance
    group_count: int
    people: _People


@attrs.frozen
class _People:
    """Who each selected row belongs to.

    ``codes`` numbers the distinct people (-1: no identity value); ``keys``
    holds, per identity column, each row's key code and the key texts: the
    canonical form for an address column (so every spelling is one person),
    the value itself otherwise.
    """

    codes: Codes
    count: int
    keys: tuple[tuple[Codes, npt.NDArray[np.object_]], ...]

    def frame(self, positions: npt.NDArray[np.intp]) -> pd.DataFrame:
        """The key texts of the people first seen at ``positions`` (indexes into the rows)."""
        columns = {}
        for i, (codes, texts) in enumerate(self.keys):
            picked = codes[positions]
            values = np.append(texts, _NO_KEY)[np.where(picked >= 0, picked, len(texts))]
            columns[f"k{i}"] = pd.Series(values, dtype=object)
        return pd.DataFrame(columns)


_NO_KEY = np.array([None], dtype=object)


def _person_keys(column: pd.Series, positions: npt.NDArray[np.intp]) -> tuple[Codes, Any]:
    """Row codes (-1 for NA) and distinct values of one identity column's selected rows."""
    strings = arrow_strings(column)
    if strings is not None:
        encoded = pc.dictionary_encode(strings.take(pa.array(positions)))
        codes = np.asarray(pc.fill_null(encoded.indices, -1).to_numpy(), dtype=np.int64)
        return codes, pd.Series(pd.array(encoded.dictionary, dtype=pd.StringDtype("pyarrow")))
    codes, uniques = pd.factorize(column.iloc[positions].array)
    return np.asarray(codes, dtype=np.int64), pd.Series(np.asarray(uniques, dtype=object))


def _identity_codes(
    events: pd.DataFrame, identity: tuple[Hashable, ...], positions: npt.NDArray[np.intp]
) -> _People:
    """One code per distinct person among the selected rows (addresses by canonical form)."""
    if not identity:
        return _People(np.full(len(positions), -1, dtype=np.int64), 0, ())
    parts: list[tuple[Codes, int]] = []
    keys = []
    known = np.zeros(len(positions), dtype=bool)
    for name in identity:
        row_codes, distinct = _person_keys(_column(events, name), positions)
        key_texts = distinct.to_numpy(dtype=object)
        if isinstance(name, str) and _squash(name) in _ADDRESS_NAMES:
            # one person, however the address is spelled; what is no address stays itself
            canonical = np.array(normalize_emails(distinct).astype(object), dtype=object)
            odd = np.flatnonzero(pd.isna(canonical))
            canonical[odd] = ["\x00" + str(v) for v in key_texts[odd]]
            key_codes, uniques = pd.factorize(canonical)
            row_codes = np.where(row_codes >= 0, np.append(key_codes, -1)[row_codes], -1)
            key_texts = np.asarray(uniques, dtype=object)
        keys.append((row_codes, key_texts))
        known |= row_codes >= 0
        parts.append((row_codes + 1, len(key_texts) + 1))
    if len(keys) == 1:  # codes by first appearance already, -1 where unknown
        return _People(keys[0][0], len(keys[0][1]), tuple(keys))
    combined, _ = combine_codes(parts, len(positions))
    people = np.full(len(positions), -1, dtype=np.int64)
    people[known], count = factorize(combined[known])
    return _People(people, count, tuple(keys))


def _plain_index(index: pd.Index, *, partition: bool) -> bool:
    """A RangeIndex 0, 1, 2, ... (a partition of one: any start)."""
    if not isinstance(index, pd.RangeIndex) or index.step != 1:
        return False
    return partition or index.start == 0


def _threads(rows: int) -> int:
    """Worker threads for one frame: Arrow and NumPy release the GIL on big columns."""
    if rows < _PARALLEL_ROWS:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 4))


def _run(tasks: Sequence[Callable[[], _T]], threads: int) -> list[_T]:
    """Run independent column tasks, in parallel when that helps; results in task order."""
    if threads <= 1 or len(tasks) <= 1:
        return [task() for task in tasks]
    with ThreadPoolExecutor(max_workers=min(threads, len(tasks))) as pool:
        futures = [pool.submit(task) for task in tasks]
        return [future.result() for future in futures]


def _stamp_work(times: TimeColumn, positions: npt.NDArray[np.intp], plan: _Plan) -> Scrubbed:
    stamps, changed = times.coarsen(positions, plan.resolution)
    return Scrubbed(stamps, changed, 0, 0, factorize(stamps.iloc[positions].array))


def _empty_work(
    column: pd.Series, selected: npt.NDArray[np.bool_], positions: npt.NDArray[np.intp]
) -> Scrubbed:
    column = nullable(column)
    present = column.notna().to_numpy()[positions]
    return Scrubbed(empty(column, selected), present, 0, 0, (positions[:0].astype(np.int64), 0))


def _anonymise_frame(
    events: pd.DataFrame,
    plan: _Plan,
    *,
    chosen: npt.NDArray[np.bool_] | None = None,
    partition: bool = False,
    threads: int | None = None,
) -> _Outcome:
    """Anonymise the old rows (or the ``chosen`` ones) of one frame."""
    size = len(events)
    times = time_column(_column(events, plan.timestamp), plan.tz, name=plan.timestamp)
    if chosen is None:
        assert plan.cutoff is not None
        assert plan.cutoff_wall is not None
        selected = times.missing | times.older_than(plan.cutoff, plan.cutoff_wall)
    else:
        selected = chosen
    positions = np.flatnonzero(selected)
    params = plan.keep_query_params

    # One task per column (and one for the people), the costly ones first.
    work: dict[Hashable, Callable[[], Scrubbed]] = {}
    for name in events.columns:
        column = _column(events, name)
        if name == plan.timestamp:
            work[name] = functools.partial(_stamp_work, times, positions, plan)
        elif name in plan.keep:
            work[name] = functools.partial(scrub_column, column, positions, params)
        else:
            work[name] = functools.partial(_empty_work, column, selected, positions)
    order = sorted(work, key=lambda name: _cost(_column(events, name), name in plan.keep))
    # The people come second: costly too, and they need the values before emptying.
    people_task = functools.partial(_identity_codes, events, plan.identity, positions)
    first, *rest = [work[name] for name in order]  # there is always the timestamp
    tasks: list[Callable[[], Any]] = [first, people_task, *rest]
    results = _run(tasks, _threads(size) if threads is None else threads)
    people: _People = results.pop(1)
    done: dict[Hashable, Scrubbed] = dict(zip(order, results, strict=True))

    out = events.copy(deep=False)
    changed = np.zeros(len(positions), dtype=bool)
    codes: list[tuple[Codes, int]] = []
    for i, name in enumerate(events.columns):
        result = done[name]
        new: Any = result.column  # a Series keeps its dtype (an array may be re-inferred)
        out.isetitem(i, new)
        changed |= result.changed
        if name == plan.timestamp or name in plan.keep:
            codes.append(result.codes)
    groups, group_count = combine_codes(codes, len(positions))
    counts = _Counts(
        rows_seen=size,
        rows_selected=len(positions),
        rows_changed=int(changed.sum()),
        rows_missing_timestamp=int(times.missing[positions].sum()),
        urls_scrubbed=sum(r.urls for r in done.values()),
        addresses_replaced=sum(r.addresses for r in done.values()),
        plain_index=_plain_index(events.index, partition=partition),
    )
    return _Outcome(
        events=out,
        counts=counts,
        positions=positions,
        groups=groups,
        group_count=group_count,
        people=people,
    )


def _column(events: pd.DataFrame, name: Hashable) -> pd.Series:
    """One column as a Series (names are unique: checked by the plan)."""
    return events[name]


def _cost(column: pd.Series, kept: bool) -> int:
    """Sort key: kept text first (scrubbed), then other text, then the rest."""
    text = is_text(column.dtype)
    return 0 if kept and text else 1 if text else 2


# -- aggregates ----------------------------------------------------------------


def _count_names(plan: _Plan) -> tuple[str, str]:
    """Names for the event and people counts that no key column already uses."""
    taken = {str(c) for c in (*plan.keep, plan.timestamp)}
    events_name, people_name = "events", "people"
    while events_name in taken:
        events_name = "_" + events_name
    while people_name in taken:
        people_name = "_" + people_name
    return events_name, people_name


def _key_columns(plan: _Plan, columns: pd.Index) -> list[Hashable]:
    return [c for c in columns if c == plan.timestamp or c in plan.keep]


def _group_rows(outcome: _Outcome, plan: _Plan) -> pd.DataFrame:
    """The key values of each group (first row of each), in first-appearance order."""
    rows = outcome.positions[first_positions(outcome.groups, outcome.group_count)]
    keys = _key_columns(plan, outcome.events.columns)
    return outcome.events[keys].iloc[rows].reset_index(drop=True)


def _finish_aggregates(
    keys: pd.DataFrame, events: npt.NDArray[np.int64], people: Any, plan: _Plan
) -> pd.DataFrame:
    """Add the counts; order by time bucket, then by first appearance."""
    events_name, people_name = _count_names(plan)
    out = keys.copy(deep=False)
    out[events_name] = np.asarray(events, dtype=np.int64)
    out[people_name] = pd.array(people, dtype="Int64")
    if len(out) > 1:
        # Mixed kinds in an object column cannot be sorted: first-appearance order then.
        with contextlib.suppress(TypeError):
            by: Any = plan.timestamp
            out = out.sort_values(by, na_position="last", kind="stable", ignore_index=True)
    return out


def _distinct_pairs(
    groups: Codes, people: Codes, people_count: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The distinct (group, person) pairs among rows with a known person."""
    known = people >= 0
    groups, people = groups[known], people[known]
    width = max(people_count, 1)
    if len(groups) and int(groups.max()) >= 2**62 // width:  # pragma: no cover - > 2**31 rows
        frame = pd.DataFrame({"g": groups, "p": people}).drop_duplicates()
        return frame["g"].to_numpy(), frame["p"].to_numpy()
    pairs = np.asarray(pd.unique(groups * width + people), dtype=np.int64)
    return pairs // width, pairs % width


def _aggregates(outcome: _Outcome, plan: _Plan) -> pd.DataFrame:
    count = outcome.group_count
    events = np.bincount(outcome.groups, minlength=count)
    if plan.identity:
        people_codes = outcome.people
        pair_groups, _ = _distinct_pairs(outcome.groups, people_codes.codes, people_codes.count)
        people: Any = np.bincount(pair_groups, minlength=count)
    else:
        people = [pd.NA] * count
    return _finish_aggregates(_group_rows(outcome, plan), events, people, plan)


# -- partitions (Dask): partial aggregates that add up ----------------------------

_GROUP = "__locosuppress_group__"
_EVENTS = "__locosuppress_events__"


@attrs.frozen(kw_only=True)
class _Partial:
    """What one partition contributes to the report and the aggregates.

    ``groups`` holds each group's key values, a 64-bit hash of them and its
    event count. ``pairs`` holds, split into buckets by group hash, the
    distinct (group hash, person hash) pairs; person hashes are keyed with a
    random key made for this run only, so they mean nothing afterwards.
    """

    counts: _Counts
    groups: pd.DataFrame
    pairs: tuple[npt.NDArray[np.uint64], ...]


def _hash_rows(frame: pd.DataFrame, key: str) -> npt.NDArray[np.uint64]:
    if frame.empty:
        return np.zeros(len(frame), dtype=np.uint64)
    hashed = pd.util.hash_pandas_object(frame, index=False, hash_key=key)
    return np.asarray(hashed.to_numpy(), dtype=np.uint64)


def _anonymise_partition(
    events: pd.DataFrame, plan: _Plan, key: str, buckets: int
) -> tuple[pd.DataFrame, _Partial]:
    """Anonymise one partition and compute its share of the report and aggregates."""
    outcome = _anonymise_frame(events, plan, partition=True, threads=1)
    rows = _group_rows(outcome, plan)
    group_hash = _hash_rows(rows, key)
    groups = rows.assign(
        **{
            _GROUP: group_hash,
            _EVENTS: np.bincount(outcome.groups, minlength=outcome.group_count),
        }
    )
    split: list[npt.NDArray[np.uint64]] = [np.zeros((0, 2), dtype=np.uint64)] * buckets
    if plan.identity:
        people = outcome.people
        pair_groups, pair_people = _distinct_pairs(outcome.groups, people.codes, people.count)
        known = np.flatnonzero(people.codes >= 0)
        first = known[np.unique(people.codes[known], return_index=True)[1]]
        person_hash = _hash_rows(people.frame(first), key)
        pairs = np.column_stack([group_hash[pair_groups], person_hash[pair_people]])
        bucket = pairs[:, 0] % np.uint64(buckets)
        split = [pairs[bucket == b] for b in range(buckets)]
    return outcome.events, _Partial(counts=outcome.counts, groups=groups, pairs=tuple(split))


def _count_people(pairs: Sequence[npt.NDArray[np.uint64]]) -> pd.Series:
    """Distinct people per group hash, from one bucket of every partition."""
    stacked = np.concatenate([p for p in pairs if len(p)] or [np.zeros((0, 2), np.uint64)])
    frame = pd.DataFrame({"g": stacked[:, 0], "p": stacked[:, 1]}).drop_duplicates()
    return frame.groupby("g").size()


def _combine_partials(
    plan: _Plan,
    counts: Sequence[_Counts],
    groups: Sequence[pd.DataFrame],
    people: Sequence[pd.Series],
) -> tuple[AnonymisationReport, pd.DataFrame]:
    """The report and aggregates of a whole collection, from its partitions' partials."""
    total = functools.reduce(lambda a, b: a + b, counts, _Counts())
    every = pd.concat(list(groups), ignore_index=True)
    sums = every.groupby(_GROUP, sort=False)[_EVENTS].sum()
    firsts = every.drop_duplicates(_GROUP)
    keys = firsts.drop(columns=[_GROUP, _EVENTS]).reset_index(drop=True)
    events = sums.reindex(firsts[_GROUP]).to_numpy()
    if plan.identity:
        found = pd.concat(list(people)) if people else pd.Series(dtype=np.int64)
        counted: Any = found.reindex(firsts[_GROUP], fill_value=0).to_numpy()
    else:
        counted = [pd.NA] * len(firsts)
    aggregates = _finish_aggregates(keys, events, counted, plan)
    return plan.report(total, aggregates, events_name=_count_names(plan)[0]), aggregates


# -- public functions -----------------------------------------------------------


def _check_frame(events: Any) -> pd.DataFrame:
    if not isinstance(events, pd.DataFrame):
        raise TypeError(
            f"events must be a pandas DataFrame, not {type(events).__name__}; "
            "for Dask use locosuppress.dask.anonymise_events"
        )
    return events


def _result(outcome: _Outcome, plan: _Plan) -> AnonymisationResult:
    aggregates = _aggregates(outcome, plan)
    report = plan.report(outcome.counts, aggregates, events_name=_count_names(plan)[0])
    return AnonymisationResult(outcome.events, report, aggregates)


def anonymise_events(
    events: pd.DataFrame,
    /,
    *,
    now: pd.Timestamp | dt.datetime | str | None = None,
    months: int = 12,
    timestamp: Hashable = "timestamp",
    keep: Hashable | Iterable[Hashable] | None = None,
    identity: Hashable | Iterable[Hashable] | None = None,
    resolution: Resolution = "day",
    tz: str | dt.tzinfo = "UTC",
    keep_query_params: Collection[str] = DEFAULT_KEEP_QUERY_PARAMS,
    k: int = 5,
) -> AnonymisationResult:
    """Anonymise the events older than ``months`` calendar months.

    An event is old when its timestamp is strictly earlier than ``now`` minus
    ``months`` months (``pandas.DateOffset`` arithmetic on the wall clock in
    ``tz``). Missing or unreadable timestamps count as old. Old rows keep only
    the allow-listed columns (scrubbed) and a floored timestamp; recent rows
    come back exactly as they were.

    Args:
        events: one row per open or click; never modified.
        now: the reference time (aware: an instant; naive: a wall time in
            ``tz``); default the current time. Pass it for reproducible runs.
        months: the age limit in calendar months.
        timestamp: the column with the time of each event (datetime64, aware
            or naive, or ISO 8601 text).
        keep: the columns kept on old rows (besides the timestamp); default
            those named like :data:`DEFAULT_KEEP` (case-insensitively).
        identity: the column(s) that tell who an event belongs to, for the
            distinct-people counts; default :func:`identity_columns`; ``()``
            for none.
        resolution: ``"day"``, ``"hour"``, ``"month"`` or None (keep exact times).
        tz: the zone of the wall clock: month arithmetic, naive times, flooring.
        keep_query_params: query parameters that may stay in kept URLs.
        k: groups of old rows with fewer events than this are reported.

    Returns:
        The anonymised events, the report and the aggregates.

    Raises:
        SchemaError: the timestamp column, a ``keep`` or ``identity`` column is
            missing, column names repeat, ``keep`` holds an identifying
            column, or the timestamp column holds no times.
        InvalidOptionError: an option has an impossible value (a ValueError).
    """
    events = _check_frame(events)
    plan = _plan_with_cutoff(
        events.columns,
        now=now,
        months=months,
        timestamp=timestamp,
        keep=keep,
        identity=identity,
        resolution=resolution,
        tz=tz,
        keep_query_params=keep_query_params,
        k=k,
    )
    return _result(_anonymise_frame(events, plan), plan)


def _contact_mask(
    events: pd.DataFrame,
    *,
    email: str | None,
    contact_id: Any,
    email_column: Hashable | None,
    contact_column: Hashable | None,
) -> npt.NDArray[np.bool_]:
    """Rows of the person: same canonical address, or same contact id."""
    if email is None and contact_id is None:
        raise TypeError("erase_contact needs email= or contact_id= (or both)")
    mask = np.zeros(len(events), dtype=bool)
    if email is not None:
        column = email_column if email_column is not None else _find(events.columns, _ADDRESS_NAMES)
        if column is None or column not in events.columns:
            raise SchemaError("no e-mail column to match the address against; pass email_column=")
        canonical = normalize_email(email)
        forms = normalize_emails(events[column])
        mask |= (forms == canonical).fillna(False).to_numpy(dtype=bool)
    if contact_id is not None:
        column = (
            contact_column if contact_column is not None else _find(events.columns, _CONTACT_NAMES)
        )
        if column is None or column not in events.columns:
            raise SchemaError("no contact id column to match against; pass contact_column=")
        values = events[column]
        same = (values == contact_id).fillna(False).to_numpy(dtype=bool)
        text = values.astype("string") == str(contact_id)
        mask |= same | text.fillna(False).to_numpy(dtype=bool)
    return mask


def erase_contact(
    events: pd.DataFrame,
    /,
    *,
    email: str | None = None,
    contact_id: Any = None,
    email_column: Hashable | None = None,
    contact_column: Hashable | None = None,
    timestamp: Hashable = "timestamp",
    keep: Hashable | Iterable[Hashable] | None = None,
    identity: Hashable | Iterable[Hashable] | None = None,
    resolution: Resolution = "day",
    tz: str | dt.tzinfo = "UTC",
    keep_query_params: Collection[str] = DEFAULT_KEEP_QUERY_PARAMS,
    k: int = 5,
) -> AnonymisationResult:
    """Anonymise every event of one person now, whatever its age (right to be forgotten).

    Rows match when the e-mail column's canonical form (normalisation v1)
    equals that of ``email`` (so every spelling of the address is caught),
    or when the contact column equals ``contact_id`` (compared as values and
    as text). Matching rows are anonymised by the rules of
    :func:`anonymise_events`; other rows come back unchanged.

    Args:
        events: one row per open or click; never modified.
        email: the person's address.
        contact_id: the person's contact id.
        email_column: the address column; default the first e-mail-like column.
        contact_column: the contact id column; default the first contact-id-like column.
        timestamp, keep, identity, resolution, tz, keep_query_params, k: as for
            :func:`anonymise_events`.

    Raises:
        TypeError: neither ``email`` nor ``contact_id`` given.
        InvalidEmailError: ``email`` is not an address.
        SchemaError: as for :func:`anonymise_events`, or no column to match on.
    """
    events = _check_frame(events)
    plan = _make_plan(
        events.columns,
        timestamp=timestamp,
        keep=keep,
        identity=identity,
        resolution=resolution,
        tz=tz,
        keep_query_params=keep_query_params,
        k=k,
    )
    chosen = _contact_mask(
        events,
        email=email,
        contact_id=contact_id,
        email_column=email_column,
        contact_column=contact_column,
    )
    return _result(_anonymise_frame(events, plan, chosen=chosen), plan)

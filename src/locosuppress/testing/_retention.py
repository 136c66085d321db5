"""Retention policies and the tables they govern.

Part of :mod:`locosuppress.testing` (import from there).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping as _Mapping
from collections.abc import Sequence as _Sequence

import pandas as _pandas
from hypothesis import strategies as st
from hypothesis.extra import pandas as _hpd
from hypothesis.strategies import SearchStrategy

from locosuppress.retention import ACTIONS as _ACTIONS
from locosuppress.retention import (
    RetentionPolicy as _RetentionPolicy,
)
from locosuppress.retention import (
    RetentionRule as _RetentionRule,
)
from locosuppress.testing._events import _timestamp_column

#: Date column kinds :func:`retention_tables` can produce.
RETENTION_DATE_KINDS = ("naive", "aware", "text", "object")
#: The values of the ``kind`` column that rules of :func:`retention_policies` select.
RETENTION_KINDS = ("sample", "quote", "demo", "order")
# Months that meet month ends and leap days from many starting points.
_RETENTION_MONTHS = st.one_of(
    st.sampled_from([1, 2, 6, 11, 12, 13, 24, 48, 84]), st.integers(1, 120)
)
_RETENTION_NOTES = st.sampled_from(
    ["bel terug", "jan@example.nl", "zie https://shop.example.nl/c?uid=jan@example.nl#top", ""]
)
_POLICY_TEXT = st.text(alphabet=st.characters(codec="utf-8"), min_size=0, max_size=12)


def _groups(draw: st.DrawFn) -> list[list[str]]:
    """Disjoint, non-empty groups of kinds (some kinds may be in no group)."""
    kinds = draw(st.permutations(RETENTION_KINDS))
    cuts = sorted(draw(st.lists(st.integers(1, len(kinds)), min_size=1, max_size=3, unique=True)))
    groups, start = [], 0
    for cut in cuts:
        if cut > start:
            groups.append(list(kinds[start:cut]))
        start = cut
    return groups


@st.composite
def _table_rules(draw: st.DrawFn, table: str) -> list[_RetentionRule]:
    split = draw(st.booleans())
    wheres: list[dict[str, list[str]] | None] = (
        [{"kind": group} for group in _groups(draw)] if split else [None]
    )
    rules = []
    for number, where in enumerate(wheres):
        action = draw(st.sampled_from(_ACTIONS))
        keep = draw(st.sampled_from([None, ["note"], []])) if action == "anonymise" else None
        rules.append(
            _RetentionRule(
                name=f"{table}/{number}{draw(_POLICY_TEXT)}",
                table=table,
                where=where,
                date_column="date",
                keep_for=draw(_RETENTION_MONTHS),
                action=action,
                keep=keep,
                reason=draw(_POLICY_TEXT),
            )
        )
    return rules


@st.composite
def _policies(draw: st.DrawFn, tables: tuple[str, ...]) -> _RetentionPolicy:
    rules = [rule for table in tables for rule in draw(_table_rules(table))]
    name = draw(_POLICY_TEXT.filter(str.strip))
    version = draw(st.one_of(_POLICY_TEXT.filter(str.strip), st.integers(0, 10**6)))
    return _RetentionPolicy(name=name, version=version, rules=rules)


def retention_policies(
    *, tables: _Sequence[str] = ("requests", "messages")
) -> SearchStrategy[_RetentionPolicy]:
    """Valid retention policies over ``tables``, each with a ``kind`` and a ``date`` column.

    Per table either one rule for every row, or up to three rules that select
    disjoint groups of :data:`RETENTION_KINDS` from the ``kind`` column (a kind
    in no group leaves rows ungoverned). Periods meet month ends and leap days
    (1, 2, 6, 12, 84 months, ...); actions are ``"delete"`` and
    ``"anonymise"`` (keeping ``note``, nothing or the defaults). Names,
    versions and reasons hold quotes, backslashes, line breaks and any
    Unicode, for the TOML round trip.
    """
    if not tables or len(set(tables)) != len(tables):
        raise ValueError("tables must be distinct table names")
    return _policies(tuple(tables))


def _retention_cells(
    draw: st.DrawFn, walls: list[_pandas.Timestamp | None], kind: str, tz: str
) -> _pandas.Series:
    """One date column of ``kind`` for the wall times (None: missing or unreadable)."""
    return draw(_timestamp_column(walls, kind, tz))


@st.composite
def _retention_table(
    draw: st.DrawFn,
    rules: tuple[_RetentionRule, ...],
    now: _pandas.Timestamp,
    tz: str,
    max_rows: int,
    kinds: tuple[str, ...],
) -> _pandas.DataFrame:
    rows = draw(st.integers(0, max_rows))
    wall_now = now.tz_convert(tz).tz_localize(None) if now.tzinfo is not None else now
    cuts = [wall_now - _pandas.DateOffset(months=rule.keep_for) for rule in rules]
    near = st.sampled_from(cuts).flatmap(
        lambda cut: st.one_of(
            st.integers(-3 * 3600, 3 * 3600).map(lambda s: cut + _pandas.Timedelta(seconds=s)),
            st.integers(-2, 2).map(lambda d: cut + _pandas.Timedelta(days=d)),
        )
    )
    oldest = min(cuts) - _pandas.DateOffset(months=6)
    span = int((wall_now + _pandas.DateOffset(months=2) - oldest).total_seconds())
    spread = st.integers(0, span).map(lambda s: oldest + _pandas.Timedelta(seconds=s))
    walls = draw(st.lists(st.one_of(st.none(), near, spread), min_size=rows, max_size=rows))
    dates = _retention_cells(draw, walls, draw(st.sampled_from(kinds)), tz)
    index = draw(
        st.one_of(
            _hpd.range_indexes(min_size=rows, max_size=rows),
            _hpd.indexes(
                elements=st.integers(-999, 999), min_size=rows, max_size=rows, unique=True
            ),
            _hpd.indexes(elements=st.text(max_size=3), min_size=rows, max_size=rows, unique=True),
        )
    )
    kind_values = st.sampled_from((*RETENTION_KINDS, "other"))
    frame = _pandas.DataFrame(
        {
            "kind": _pandas.Series(draw(st.lists(kind_values, min_size=rows, max_size=rows))),
            "date": dates,
            "note": _pandas.Series(
                draw(
                    st.lists(st.one_of(st.none(), _RETENTION_NOTES), min_size=rows, max_size=rows)
                ),
                dtype=object,
            ),
            "n": _pandas.Series(
                draw(st.lists(st.integers(-5, 5), min_size=rows, max_size=rows)), dtype="int64"
            ),
        }
    )
    frame.index = index
    return frame


@st.composite
def _retention_tables(
    draw: st.DrawFn,
    policy: _RetentionPolicy,
    now: _pandas.Timestamp,
    tz: str,
    max_rows: int,
    kinds: tuple[str, ...],
) -> dict[str, _pandas.DataFrame]:
    rules: _Mapping[str, tuple[_RetentionRule, ...]] = {
        table: tuple(rule for rule in policy.rules if rule.table == table)
        for table in policy.tables
    }
    return {
        table: draw(_retention_table(own, now, tz, max_rows, kinds)) for table, own in rules.items()
    }


def retention_tables(
    policy: _RetentionPolicy,
    /,
    *,
    now: _pandas.Timestamp | _dt.datetime | str,
    tz: str = "Europe/Amsterdam",
    max_rows: int = 10,
    date_kinds: _Sequence[str] = RETENTION_DATE_KINDS,
) -> SearchStrategy[dict[str, _pandas.DataFrame]]:
    """Tables for ``policy`` (as from :func:`retention_policies`), rows around each cutoff.

    One frame per table of the policy, with columns ``kind`` (one of
    :data:`RETENTION_KINDS` or ``"other"``), ``date`` (one of ``date_kinds``,
    as in :func:`event_frames`: naive or aware datetime64, ISO 8601 text with
    and without offsets, Python objects; some missing or unreadable), ``note``
    (text, some with an address or a URL carrying one) and ``n`` (int64). Dates fall within
    a few hours or days of a rule's cutoff (``now`` minus its months on the
    wall clock of ``tz``), anywhere from half a year before the oldest cutoff,
    or up to two months after ``now`` (the future). The index is a RangeIndex,
    unique integers or unique strings.
    """
    unknown = set(date_kinds) - set(RETENTION_DATE_KINDS)
    if unknown or not date_kinds:
        raise ValueError(f"date_kinds must be among {RETENTION_DATE_KINDS}")
    return _retention_tables(policy, _pandas.Timestamp(now), tz, max_rows, tuple(date_kinds))

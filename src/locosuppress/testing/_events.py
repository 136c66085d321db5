"""Open and click events around the anonymiser's cutoff.

Part of :mod:`locosuppress.testing` (import from there).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence as _Sequence
from urllib.parse import quote as _quote

import pandas as _pandas
from hypothesis import strategies as st
from hypothesis.extra import pandas as _hpd
from hypothesis.strategies import SearchStrategy

from locosuppress.testing._emails import emails, messy_variants

#: Timestamp column kinds :func:`event_frames` can produce.
EVENT_TIMESTAMP_KINDS = ("naive", "aware", "text", "object")
_QUERY_NAMES = ("utm_source", "utm_medium", "utm_campaign", "uid", "email", "ref", "UTM_SOURCE")
_QUERY_WORDS = ("newsletter", "email", "nl", "", "zomer-2024", "c123", "a=b")
_UNREADABLE_TIMES = ("", "gisteren", "2024-13-01", "31/12/2023", "n/a", "12:00", "2024-02-30T10:00")
_TEXT_DTYPES = ("str", "object", "string")
_OTHER_ZONES = ("UTC", "Europe/Amsterdam", "America/New_York", "Asia/Kolkata")


@st.composite
def _event_url(draw: st.DrawFn, people: _Sequence[str]) -> str:
    person = st.sampled_from(people)
    scheme = draw(st.sampled_from(["https://", "http://", "HTTPS://", "hTTp://"]))
    userinfo = draw(st.one_of(st.sampled_from(["", "", "user:secret@"]), person.map("{}@".format)))
    host = draw(st.sampled_from(["shop.example.nl", "example.com", "t.mailer.example:8080"]))
    segment = st.one_of(
        st.sampled_from(["c", "link", "zomer-2024", "%7Euser", ""]),
        person,
        person.map(lambda a: _quote(a, safe="")),
    )
    path = "".join("/" + s for s in draw(st.lists(segment, max_size=3)))
    value = st.one_of(
        st.sampled_from(_QUERY_WORDS), person, person.map(lambda a: _quote(a, safe=""))
    )
    params = draw(
        st.lists(
            st.one_of(
                st.builds("{}={}".format, st.sampled_from(_QUERY_NAMES), value),
                st.sampled_from(_QUERY_NAMES),
                st.just(""),
            ),
            max_size=4,
        )
    )
    query = draw(st.sampled_from(["", "?"])) if not params else "?" + "&".join(params)
    fragment = draw(st.one_of(st.sampled_from(["", "", "#top", "#"]), person.map("#{}".format)))
    return scheme + userinfo + host + path + query + fragment


@st.composite
def _free_text(draw: st.DrawFn, people: _Sequence[str]) -> str:
    words = st.one_of(
        st.sampled_from(["Zomer", "actie", "bel", "mail", "zie", "2024", "nieuwsbrief", "—"]),
        st.sampled_from(people),
        st.sampled_from(people).map(lambda a: f"<{a}>"),
        _event_url(people),
        st.text(max_size=4),
    )
    return " ".join(draw(st.lists(words, max_size=5)))


def _cutoff_wall(now: _pandas.Timestamp, months: int, tz: str) -> _pandas.Timestamp:
    wall = now.tz_convert(tz).tz_localize(None) if now.tzinfo is not None else now
    return wall - _pandas.DateOffset(months=months)


def event_wall_times(
    *, now: _pandas.Timestamp | str, months: int = 12, tz: str = "UTC"
) -> SearchStrategy[_pandas.Timestamp]:
    """Naive wall-clock times in ``tz``: up to ``months`` + 6 months before ``now``.

    Half are spread evenly; half fall within three hours of the cutoff
    (``now`` minus ``months`` calendar months), where off-by-one errors live,
    and at whole seconds so that exact-boundary values are common.
    """
    stamp = _pandas.Timestamp(now)
    wall_now = stamp.tz_convert(tz).tz_localize(None) if stamp.tzinfo is not None else stamp
    cut = _cutoff_wall(stamp, months, tz)
    span = int((wall_now - (cut - _pandas.DateOffset(months=6))).total_seconds())
    spread = st.integers(0, max(span, 0)).map(lambda s: wall_now - _pandas.Timedelta(seconds=s))
    near = st.integers(-3 * 3600, 3 * 3600).map(lambda s: cut + _pandas.Timedelta(seconds=s))
    return st.one_of(spread, near)


def _place(wall: _pandas.Timestamp, tz: str) -> _pandas.Timestamp:
    return wall.tz_localize(tz, ambiguous=True, nonexistent="shift_forward")


@st.composite
def _timestamp_column(
    draw: st.DrawFn, walls: list[_pandas.Timestamp | None], kind: str, tz: str
) -> _pandas.Series:
    if kind == "naive":
        unit = draw(st.sampled_from(["ns", "us", "s"]))
        return _pandas.Series(walls, dtype=f"datetime64[{unit}]")
    if kind == "aware":
        zone = draw(st.sampled_from((tz, *_OTHER_ZONES)))
        values = [None if w is None else _place(w, tz).tz_convert(zone) for w in walls]
        return _pandas.Series(values, dtype=f"datetime64[ns, {zone}]")
    cells: list[object] = []
    for wall in walls:
        if wall is None:
            cells.append(draw(st.sampled_from([None, *_UNREADABLE_TIMES])))
            continue
        zone = draw(st.sampled_from((tz, *_OTHER_ZONES)))
        aware = _place(wall, tz).tz_convert(zone)
        choices: list[object] = [
            wall.isoformat(),
            wall.isoformat(sep=" "),
            aware.isoformat(),
            aware.tz_convert("UTC").isoformat().replace("+00:00", "Z"),
        ]
        if kind == "object":
            choices += [wall, aware.to_pydatetime(), wall.to_pydatetime()]
        cells.append(draw(st.sampled_from(choices)))
    if kind == "text" and draw(st.booleans()):
        return _pandas.Series(cells, dtype="str")
    return _pandas.Series(cells, dtype=object)


@st.composite
def _event_frame(
    draw: st.DrawFn,
    now: _pandas.Timestamp,
    months: int,
    tz: str,
    min_rows: int,
    max_rows: int,
    kinds: tuple[str, ...],
) -> _pandas.DataFrame:
    people = draw(st.lists(emails(), min_size=1, max_size=4, unique=True))
    spelled = st.one_of(st.sampled_from(people), st.sampled_from(people).flatmap(messy_variants))
    text = st.one_of(st.none(), _free_text(people))
    rows = draw(st.integers(min_rows, max_rows))
    index = st.one_of(
        _hpd.range_indexes(min_size=rows, max_size=rows),
        _hpd.indexes(elements=st.integers(-999, 999), min_size=rows, max_size=rows, unique=True),
        _hpd.indexes(elements=st.text(max_size=3), min_size=rows, max_size=rows, unique=True),
    )
    frame = draw(
        _hpd.data_frames(
            columns=[
                _hpd.column("email", elements=st.one_of(st.none(), spelled), dtype=object),
                _hpd.column("contact_id", elements=st.integers(1, 5), dtype="int64"),
                _hpd.column("klant_id", elements=st.integers(-(2**40), 2**40), dtype="int64"),
                _hpd.column("notes", elements=text, dtype=object),
                _hpd.column("ip", elements=st.ip_addresses().map(str), dtype=object),
                _hpd.column("campaign_id", elements=st.integers(1, 3), dtype="int64"),
                _hpd.column(
                    "campaign_name",
                    elements=st.one_of(st.sampled_from(["Zomer", "Winter 2024"]), text),
                    dtype=object,
                ),
                _hpd.column(
                    "event_type", elements=st.sampled_from(["open", "click"]), dtype=object
                ),
                _hpd.column("url", elements=st.one_of(st.none(), _event_url(people)), dtype=object),
            ],
            index=index,
        )
    )
    walls = draw(
        st.lists(
            st.one_of(st.none(), event_wall_times(now=now, months=months, tz=tz)),
            min_size=rows,
            max_size=rows,
        )
    )
    kind = draw(st.sampled_from(kinds))
    stamps = draw(_timestamp_column(walls, kind, tz))
    stamps.index = frame.index
    frame.insert(0, "timestamp", stamps)
    text_dtype = draw(st.sampled_from(_TEXT_DTYPES))
    if text_dtype != "object":
        for name in ("email", "notes", "ip", "campaign_name", "event_type", "url"):
            frame[name] = frame[name].astype(_pandas.api.types.pandas_dtype(text_dtype))
    return frame


def event_frames(
    *,
    now: _pandas.Timestamp | _dt.datetime | str,
    months: int = 12,
    tz: str = "UTC",
    min_rows: int = 0,
    max_rows: int = 20,
    timestamp_kinds: _Sequence[str] = EVENT_TIMESTAMP_KINDS,
) -> SearchStrategy[_pandas.DataFrame]:
    """Open/click event frames with old and recent rows around ``now`` minus ``months``.

    Columns: ``timestamp`` (one of ``timestamp_kinds``: naive datetime64 wall
    times in ``tz`` with ns/us/s units, tz-aware datetime64 in ``tz`` or
    another zone, ISO 8601 text with and without offsets, or a Python object
    mix of text, ``Timestamp`` and ``datetime``; some missing, and for text
    some unreadable), ``email`` (a few people, spelled messily; some missing),
    ``contact_id`` and ``klant_id`` (int64), ``notes`` (free text with
    addresses and URLs), ``ip``, ``campaign_id`` (int64), ``campaign_name``
    (kept by default; may hold an address or URL), ``event_type`` and ``url``
    (http(s), with user-info, addresses in path, query and fragment,
    percent-encoded addresses, utm and personal parameters). Text columns are
    ``object``, ``str`` or ``string``; the index is a RangeIndex, unique
    integers or unique strings. Built on :mod:`hypothesis.extra.pandas`.
    """
    unknown = set(timestamp_kinds) - set(EVENT_TIMESTAMP_KINDS)
    if unknown or not timestamp_kinds:
        raise ValueError(f"timestamp_kinds must be among {EVENT_TIMESTAMP_KINDS}")
    return _event_frame(
        _pandas.Timestamp(now), months, tz, min_rows, max_rows, tuple(timestamp_kinds)
    )

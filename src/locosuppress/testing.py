"""Hypothesis strategies for locosuppress users and for our own tests.

Use them to property-test code that builds on locosuppress::

    from hypothesis import given
    from locosuppress.testing import emails, messy_variants

    @given(emails().flatmap(lambda e: messy_variants(e).map(lambda v: (e, v))))
    def test_same_person(pair):
        address, variant = pair
        assert normalize_email(variant) == normalize_email(address)

Layer 5: may import everything below it, never the command line. Hypothesis
comes with the ``testing`` extra (``pip install 'locosuppress[testing]'``);
without it, importing this module raises
:class:`~locosuppress.errors.MissingExtraError` naming the extra.
"""

from __future__ import annotations

try:
    import hypothesis  # noqa: F401  (the extra's presence, checked once)
except ImportError as error:  # pragma: no cover - exercised in a subprocess without Hypothesis
    from locosuppress.errors import MissingExtraError

    raise MissingExtraError(
        "locosuppress.testing needs Hypothesis; install the 'testing' extra: "
        "pip install 'locosuppress[testing]'"
    ) from error

# -- section: emails (issue 2) --
import contextlib as _contextlib
import unicodedata as _unicodedata
from typing import Any as _Any

import idna as _idna
import pandas as _pd
from hypothesis import strategies as st
from hypothesis.extra import pandas as _pdst
from hypothesis.strategies import SearchStrategy

from locosuppress.normalize import normalize_email as _normalize_email

_ATEXT_ASCII = "abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*-/=?^_`{|}~"
_INTL_LETTERS = (
    "éèëêáàäâóöôúüûíïçñøåæœßĳþðłśžčřšęąőűğışə"
    "αβγδεζηθικλμνξπρστυφχψω"
    "абвгдежзиклмнопрстуфхцчшщыэюя"
    "中文日本語한국어"
)
_ASCII_LABEL = st.from_regex(r"\A[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?\Z")
_TLD = st.sampled_from(["nl", "com", "org", "de", "be", "fr", "eu", "co.uk", "info", "amsterdam"])
_UNICODE_LABELS = st.sampled_from(
    [
        "bücher",
        "exämple",
        "münchen",
        "café",
        "ñandú",
        "zürich",
        "ελληνικά",
        "пример",
        "例え",
        "société",
    ]
)
_WRAP_SPACE = st.sampled_from(["", " ", "  ", "\t", "\u00a0", "\u3000", "\n"])
_PADDING = st.text(
    alphabet="\t\n\x0b\x0c\r \x85\xa0\u2002\u3000\u200b\u200c\u200d\u2060\ufeff", max_size=3
)


def _is_valid(address: str) -> bool:
    try:
        _normalize_email(address)
    except ValueError:
        return False
    return True


def _local_parts(*, international: bool) -> SearchStrategy[str]:
    alphabet = _ATEXT_ASCII + (_INTL_LETTERS if international else "")
    atom = st.text(alphabet=alphabet, min_size=1, max_size=10)
    return st.lists(atom, min_size=1, max_size=3).map(".".join)


def _domains(*, international: bool) -> SearchStrategy[str]:
    label = st.one_of(_ASCII_LABEL, _UNICODE_LABELS) if international else _ASCII_LABEL
    return st.builds(
        lambda labels, tld: ".".join([*labels, tld]),
        st.lists(label, min_size=1, max_size=3),
        _TLD,
    )


def emails(*, international: bool = True) -> SearchStrategy[str]:
    """Valid e-mail addresses (rules v1), ASCII and, by default, international.

    Local parts use RFC 5322 atext and, when ``international``, letters of
    several scripts; domains mix ASCII labels with Unicode labels and a few
    well-known Gmail addresses so the provider rule is exercised.
    """
    generic = st.builds(
        lambda local, domain: f"{local}@{domain}",
        _local_parts(international=international),
        _domains(international=international),
    )
    gmail = st.builds(
        lambda local, domain: f"{local}@{domain}",
        _local_parts(international=False),
        st.sampled_from(["gmail.com", "googlemail.com"]),
    )
    return st.one_of(generic, generic, gmail).filter(_is_valid)


def _swap_case(text: str, flips: list[bool]) -> str:
    out = []
    for char, flip in zip(text, flips, strict=False):
        upper = char.upper()
        out.append(upper if flip and len(upper) == 1 and upper.lower() == char else char)
    out.extend(text[len(flips) :])
    flipped = "".join(out)
    # str.lower() is context-sensitive (a capital sigma at the end of a word
    # lowers to the final sigma), so keep only flips it undoes in context.
    if flipped.lower() != text.lower():
        ascii_only = (
            c.upper() if f and c.isascii() else c for c, f in zip(text, flips, strict=False)
        )
        return "".join(ascii_only) + text[len(flips) :]
    return flipped


@st.composite
def _messy(draw: st.DrawFn, address: str) -> str:
    local, domain = address.rsplit("@", 1)
    base = local.split("+", 1)[0]
    rest = local[len(base) :]
    # Gmail: dots anywhere in the user name, and the googlemail alias.
    if domain.lower().rstrip(".") in ("gmail.com", "googlemail.com"):
        plain = base.replace(".", "")
        cuts = draw(st.sets(st.integers(1, max(1, len(plain) - 1)), max_size=3))
        pieces, last = [], 0
        for cut in sorted(c for c in cuts if 0 < c < len(plain)):
            pieces.append(plain[last:cut])
            last = cut
        pieces.append(plain[last:])
        base = ".".join(pieces)
        domain = draw(st.sampled_from(["gmail.com", "googlemail.com", "GMail.com"]))
    # A sub-address tag (the part from the first '+' is dropped).
    if draw(st.booleans()):
        tag = draw(st.from_regex(r"\A[a-z0-9_-]{0,6}(\.[a-z0-9_-]{1,4})?\Z"))
        rest = rest + "+" + tag
    local = base + rest
    # The domain in its other IDNA form (U-label <-> A-label).
    if draw(st.booleans()):
        with _contextlib.suppress(_idna.IDNAError, UnicodeError):
            domain = (
                _idna.encode(domain, uts46=True).decode("ascii")
                if not domain.isascii()
                else _idna.decode(domain)
            )
    flips = draw(st.lists(st.booleans(), max_size=len(local) + len(domain)))
    local = _swap_case(local, flips[: len(local)])
    domain = _swap_case(domain, flips[len(local) :])
    if draw(st.booleans()):
        domain += "."
    value = f"{local}@{domain}"
    if draw(st.booleans()):
        value = _unicodedata.normalize("NFD", value)
    if draw(st.booleans()):
        query = draw(st.sampled_from(["", "?subject=Uitschrijven", "?body=a@b.c&x=1"]))
        value = draw(st.sampled_from(["mailto:", "MAILTO:", "MailTo:"])) + value + query
    if draw(st.booleans()):
        name = draw(st.sampled_from(["", "Jan de Vries", '"de Vries, Jan"', "Ĳsbrand", "info"]))
        value = f"{name}{draw(_WRAP_SPACE)}<{draw(_WRAP_SPACE)}{value}{draw(_WRAP_SPACE)}>"
    if draw(st.booleans()):
        quote = draw(st.sampled_from(['"', "'"]))
        value = f"{quote}{draw(_WRAP_SPACE)}{value}{draw(_WRAP_SPACE)}{quote}"
    return draw(_PADDING) + value + draw(_PADDING)


def messy_variants(address: str) -> SearchStrategy[str]:
    """The same person written many ways: every value normalises like ``address``.

    Variants combine case changes that ``str.lower()`` undoes, surrounding
    and invisible whitespace, display-name and angle wrappers, quotes,
    ``mailto:`` links, ``+tags``, Gmail dots and the googlemail alias, NFD
    decomposition and the other IDNA form of the domain.
    """
    return _messy(address)


def invalid_emails() -> SearchStrategy[object]:
    """Values that are not addresses: wrong types, missing parts, bad syntax."""
    return st.one_of(
        st.none(),
        st.just(float("nan")),
        st.integers(),
        st.binary(max_size=10),
        st.sampled_from(
            [
                "",
                "   ",
                "no-at-sign",
                "a@@b.nl",
                "@b.nl",
                "a@",
                "a b@c.nl",
                "a@b",
                "a..b@c.nl",
                ".a@b.nl",
                "a.@b.nl",
                "+tag@b.nl",
                "a.+tag@b.nl",
                '"a b"@c.nl',
                "a@[1.2.3.4]",
                "a@1.2.3.4",
                "a@-b.nl",
                "a@b-.nl",
                "a@xn--zz.nl",
                "a(comment)@b.nl",
                "a@b_c.nl",
            ]
        ),
    )


# -- end section: emails --
# -- section: events (issue 5) --
# (Imports here, not at the top: each section of this module is owned by one issue.)
import datetime as _dt  # noqa: E402
from collections.abc import Sequence as _Sequence  # noqa: E402
from urllib.parse import quote as _quote  # noqa: E402

import pandas as _pandas  # noqa: E402
from hypothesis.extra import pandas as _hpd  # noqa: E402

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


# -- end section: events --
# -- section: frames (issue 4) --

_POSTCODES = st.from_regex(r"\A0?[1-9][0-9]{2,3} ?[A-Z]{2}\Z")
_COLUMN_DTYPES = ("object", "string", "string[pyarrow]", "category", "str")


def address_values() -> SearchStrategy[object]:
    """What an address column of a real import holds: good, messy, bad, missing.

    No bytes: an address column holding bytes is a ``SchemaError`` for the
    filter (they are not text), not a column of invalid cells.
    """
    return st.one_of(
        emails(),
        emails().flatmap(messy_variants),
        invalid_emails().filter(lambda value: not isinstance(value, bytes)),
        st.text(max_size=20),
    )


@st.composite
def _frames(
    draw: st.DrawFn,
    values: SearchStrategy[object],
    column: str,
    min_rows: int,
    max_rows: int,
) -> _pd.DataFrame:
    n = draw(st.integers(min_rows, max_rows))
    cells = draw(st.lists(values, min_size=n, max_size=n))
    index = draw(
        st.one_of(
            _pdst.range_indexes(min_size=n, max_size=n),
            _pdst.indexes(elements=st.integers(-1000, 1000), min_size=n, max_size=n, unique=True),
            _pdst.indexes(elements=st.text(max_size=4), min_size=n, max_size=n, unique=True),
        )
    )
    frame = _pd.DataFrame(
        {
            "klantnummer": _pd.Series(range(n), dtype="int64"),
            column: _pd.Series(cells, dtype=object),
            "postcode": draw(st.lists(_POSTCODES, min_size=n, max_size=n)),
        }
    )
    frame.index = index
    dtype: _Any = draw(st.sampled_from(_COLUMN_DTYPES))
    if dtype != "object":
        text = frame[column].map(lambda v: v if isinstance(v, str) else None)
        if dtype == "category":
            frame[column] = text.astype("category")
        else:
            frame[column] = text.astype(dtype)
    return frame


def mailing_frames(
    *,
    values: SearchStrategy[object] | None = None,
    column: str = "email",
    min_rows: int = 0,
    max_rows: int = 25,
) -> SearchStrategy[_pd.DataFrame]:
    """DataFrames shaped like an imported mailing database.

    An integer customer number, the address column (``column``) holding
    ``values`` (default :func:`address_values`: valid, messy, invalid and
    missing), and a postcode column with leading zeros; the index is a
    RangeIndex, unique integers or unique strings; the address column's dtype
    is object, string, Arrow-backed or categorical (non-text values become
    missing for the typed dtypes).
    """
    return _frames(values if values is not None else address_values(), column, min_rows, max_rows)


# -- end section: frames --
# -- section: listed (issue 11) --


@st.composite
def _at_domain(draw: st.DrawFn, domains: _Sequence[str]) -> str:
    domain = draw(st.sampled_from(domains))
    local = draw(_local_parts(international=True))
    address = f"{local}@{domain}"
    return address if _is_valid(address) else f"info@{domain}"


def listed_values(
    addresses: _Sequence[str] = (), /, *, domains: _Sequence[str] = ()
) -> SearchStrategy[str]:
    """Values a list holding ``addresses`` and ``domains`` must catch.

    Each value is one of the ``addresses`` as written, one of them spelled
    another way (:func:`messy_variants`), or an address at one of the
    ``domains`` (written plainly or messily). Mix them into the values of
    :func:`mailing_frames`, so that a property of a filter sees suppressed
    rows, repeats of them and every channel's entries, not only addresses
    no list holds::

        listed = ["jan@example.nl", "piet@example.com"]
        frames = mailing_frames(
            values=st.one_of(address_values(), listed_values(listed, domains=["spam.example"]))
        )

    Args:
        addresses: valid addresses (each must normalise under the rules).
        domains: valid domain names.

    Raises:
        ValueError: neither addresses nor domains were given.
    """
    addresses, domains = tuple(addresses), tuple(domains)
    if not addresses and not domains:
        raise ValueError("listed_values needs at least one address or domain")
    parts: list[SearchStrategy[str]] = []
    if addresses:
        listed = st.sampled_from(addresses)
        parts += [listed, listed.flatmap(messy_variants)]
    if domains:
        at_domain = _at_domain(domains)
        parts += [at_domain, at_domain.flatmap(messy_variants)]
    return st.one_of(parts)


# -- end section: listed --
# -- section: retention (issue 14) --
# (Imports here, not at the top: each section of this module is owned by one issue.)
from collections.abc import Mapping as _Mapping  # noqa: E402

from locosuppress.retention import ACTIONS as _ACTIONS  # noqa: E402
from locosuppress.retention import (  # noqa: E402
    RetentionPolicy as _RetentionPolicy,
)
from locosuppress.retention import (  # noqa: E402
    RetentionRule as _RetentionRule,
)

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


# -- end section: retention --

# -- section: providers (issue 12) --
# isort: split
from locosuppress._provider_strategies import PROVIDER_FORMATS as PROVIDER_FORMATS  # noqa: E402
from locosuppress._provider_strategies import ProviderExport as ProviderExport  # noqa: E402
from locosuppress._provider_strategies import mailchimp_zip as mailchimp_zip  # noqa: E402
from locosuppress._provider_strategies import provider_exports as provider_exports  # noqa: E402

# -- end section: providers --

"""``read_events``: providers' event exports in one shape, ready for anonymisation (private).

Layer: interop. Each provider's event layout is a :class:`EventLayout`: the
columns it is recognised by, where its address, time, event word, campaign
and URL are, how its time is written, and its event words mapped to one
vocabulary (``open``, ``click``, ``delivered``, ``bounce``, ``soft_bounce``,
``complaint``, ``unsubscribe``, ``dropped``, ``deferred``, ...). The result
has the columns ``timestamp`` (tz-aware, in ``tz``), ``event``, ``email``,
``campaign`` and ``url`` first, then the provider's other columns under their
own names; :func:`locosuppress.anonymise_events`' default allow-list keeps
``timestamp``, ``event``, ``campaign`` and ``url`` (scrubbed) on old rows and
empties the rest, so no ``keep=`` is needed. Unix seconds are read only where
the provider documents them, or with ``timestamp_unit=``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping
from typing import Any, Final

import attrs
import pandas as pd

from locosuppress._vocabulary import shown
from locosuppress.errors import InvalidOptionError, SchemaError
from locosuppress.interop._dates import positions_text
from locosuppress.interop._layout import Table, column
from locosuppress.interop._tables import read_tables

__all__ = ["EVENT_FORMATS", "read_events"]

SHAPE: Final = ("timestamp", "event", "email", "campaign", "url")
_UNITS: Final = ("s", "ms", "us", "ns")


@attrs.frozen
class EventLayout:
    """One provider's event export (names squashed; alternatives in order of preference)."""

    name: str
    required: frozenset[str]
    email: tuple[str, ...]
    time: tuple[str, ...]
    epoch: tuple[str, ...]  # time columns documented as Unix seconds
    event: tuple[str, ...]
    campaign: tuple[str, ...]
    url: tuple[str, ...]
    words: Mapping[str, str]


_COMMON: Final = {
    "open": "open",
    "opened": "open",
    "opens": "open",
    "view": "open",
    "click": "click",
    "clicked": "click",
    "clicks": "click",
    "delivered": "delivered",
    "bounce": "bounce",
    "hardbounce": "bounce",
    "hardbounces": "bounce",
    "failed": "bounce",
    "softbounce": "soft_bounce",
    "softbounces": "soft_bounce",
    "spamreport": "complaint",
    "spam": "complaint",
    "complained": "complaint",
    "unsubscribe": "unsubscribe",
    "unsubscribed": "unsubscribe",
    "groupunsubscribe": "unsubscribe",
    "dropped": "dropped",
    "deferred": "deferred",
}

_LAYOUTS: Final = (
    EventLayout(  # SendGrid Event Webhook
        name="sendgrid",
        required=frozenset({"email", "timestamp", "event", "sgeventid"}),
        email=("email",),
        time=("timestamp",),
        epoch=("timestamp",),
        event=("event",),
        campaign=("marketingcampaignname", "singlesendname", "category"),
        url=("url",),
        words=_COMMON,
    ),
    EventLayout(  # Mailgun Events API
        name="mailgun",
        required=frozenset({"recipient", "timestamp", "event"}),
        email=("recipient",),
        time=("timestamp",),
        epoch=("timestamp",),
        event=("event",),
        campaign=("campaigns", "tags"),
        url=("url",),
        words=_COMMON,
    ),
    EventLayout(  # Brevo marketing webhooks / event exports
        name="brevo",
        required=frozenset({"email", "event"}),
        email=("email",),
        time=("dateevent", "tsevent", "date"),
        epoch=("tsevent",),
        event=("event",),
        campaign=("campaignname", "campid", "tag"),
        url=("url", "link"),
        words=_COMMON,
    ),
    EventLayout(  # Mailchimp campaign email activity
        name="mailchimp",
        required=frozenset({"emailaddress", "action", "timestamp"}),
        email=("emailaddress",),
        time=("timestamp",),
        epoch=(),
        event=("action",),
        campaign=("campaignid", "campaigntitle"),
        url=("url",),
        words={**_COMMON, "bounce": "bounce"},
    ),
    EventLayout(  # listmonk link_clicks / campaign_views
        name="listmonk",
        required=frozenset({"campaignid", "subscriberid", "createdat"}),
        email=("email", "subscriberid"),
        time=("createdat",),
        epoch=(),
        event=(),
        campaign=("campaignid",),
        url=("url", "linkid"),
        words=_COMMON,
    ),
)
#: The values ``read_events``' ``format=`` takes.
EVENT_FORMATS: Final = ("auto", *(layout.name for layout in _LAYOUTS), "generic")
_GENERIC: Final = EventLayout(
    name="generic",
    required=frozenset({"timestamp"}),
    email=("email", "emailaddress", "recipient"),
    time=("timestamp",),
    epoch=(),
    event=("event", "eventtype", "type", "action"),
    campaign=("campaign", "campaignname", "campaignid"),
    url=("url", "link"),
    words=_COMMON,
)


def _first(table: Table, names: tuple[str, ...]) -> object | None:
    for name in names:
        label = column(table, name)
        if label is not None:
            return label
    return None


def _layout(table: Table, wanted: str) -> EventLayout:
    columns = frozenset().union(*table.signatures)
    if wanted == "generic":
        return _GENERIC
    if wanted != "auto":
        layout = next(x for x in _LAYOUTS if x.name == wanted)
        if not layout.required <= columns:
            raise SchemaError(f"{table.name}: not a {wanted} event export")
        return layout
    found = [x for x in _LAYOUTS if x.required <= columns]
    if len(found) == 1:
        return found[0]
    if found and found[0].name == "sendgrid":  # sendgrid's keys are a superset of brevo's
        return found[0]
    names = ", ".join(x.name for x in found) or "none"
    raise SchemaError(
        f"{table.name}: cannot tell the event layout (fits: {names}); pass format=... "
        f"(one of {', '.join(EVENT_FORMATS[1:])})"
    )


def _times(
    table: Table, label: object, *, epoch: bool, unit: str | None, tz: str | dt.tzinfo
) -> pd.Series:
    values = table.frame[label].reset_index(drop=True)
    numbers = pd.to_numeric(values, errors="coerce")
    if epoch or unit is not None:
        chosen: Any = unit or "s"
        stamps = pd.to_datetime(numbers, unit=chosen, utc=True, errors="coerce")
        bad = stamps.isna() & values.notna()
        result: pd.Series = _checked(stamps, bad, table, label).dt.tz_convert(tz)
        return result
    text = values.astype("string").str.strip()
    if numbers.notna().any():
        raise SchemaError(
            f"{table.name}: the column {shown(str(label))} holds numbers; Unix times are read "
            "only where the provider documents them: pass timestamp_unit='s' (or 'ms') if they are"
        )
    stamps = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=False)
    if getattr(stamps.dtype, "tz", None) is None:
        try:
            stamps = stamps.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
        except (TypeError, ValueError):
            stamps = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
    else:
        stamps = stamps.dt.tz_convert(tz)
    bad = stamps.isna() & text.fillna("").ne("").to_numpy()
    return _checked(stamps, bad, table, label)


def _checked(stamps: pd.Series, bad: pd.Series, table: Table, label: object) -> pd.Series:
    mask = bad.to_numpy(dtype=bool)
    if mask.any():
        raise SchemaError(
            f"{table.name}: the column {shown(str(label))} holds {int(mask.sum()):,} value(s) "
            f"that are not times, at row positions {positions_text(mask.nonzero()[0])} (0-based)"
        )
    return stamps


def _joined(values: pd.Series) -> pd.Series:
    """Lists (SendGrid categories, Mailgun tags) as comma-joined text."""
    return values.map(lambda v: ",".join(map(str, v)) if isinstance(v, list) else v)


def read_events(
    source: str | os.PathLike[str] | pd.DataFrame,
    /,
    *,
    format: str = "auto",
    tz: str | dt.tzinfo = "UTC",
    timestamp_unit: str | None = None,
    encoding: str | None = None,
    sheet: int | str | None = None,
) -> pd.DataFrame:
    """Read an event export (opens, clicks, ...) of a provider into one shape.

    Args:
        source: a path (CSV, TSV, ``.xlsx``, JSON, JSON Lines) or a DataFrame.
        format: ``"auto"``, ``"sendgrid"`` (Event Webhook), ``"mailgun"``
            (Events API), ``"brevo"``, ``"mailchimp"`` (campaign email
            activity), ``"listmonk"`` (link clicks, campaign views) or ``"generic"``.
        tz: the timezone of the result, and of times written without an offset.
        timestamp_unit: read numeric times as Unix time in this unit (``"s"``,
            ``"ms"``, ...) where the layout does not document them.
        encoding: the file's encoding (CSV or JSON), overriding detection.
        sheet: the ``.xlsx`` worksheet, by 0-based position or name.

    Returns:
        A frame with ``timestamp``, ``event``, ``email``, ``campaign``, ``url``
        and the provider's other columns; ``frame.attrs["locosuppress"]``
        records the ``format``.

    Raises:
        SchemaError: an unknown layout, or times that cannot be read.
        InvalidOptionError: an unknown format or unit.
    """
    if format not in EVENT_FORMATS:
        raise InvalidOptionError(f"unknown format ({shown(format)}); use one of {EVENT_FORMATS}")
    if timestamp_unit is not None and timestamp_unit not in _UNITS:
        raise InvalidOptionError(f"timestamp_unit must be one of {_UNITS}")
    (table,) = read_tables(source, encoding=encoding, sheet=sheet)[:1]
    layout = _layout(table, format)
    frame = table.frame.reset_index(drop=True)
    time = _first(table, layout.time)
    if time is None:
        raise SchemaError(f"{table.name}: no time column ({', '.join(layout.time)})")
    epoch = any(column(table, n) == time for n in layout.epoch)
    out = pd.DataFrame({"timestamp": _times(table, time, epoch=epoch, unit=timestamp_unit, tz=tz)})
    event = _first(table, layout.event)
    url = _first(table, layout.url)
    if event is not None:
        words = frame[event].astype("string").str.strip().str.casefold()
        squashed = words.str.replace(r"[^0-9a-z]+", "", regex=True)
        out["event"] = squashed.map(layout.words).fillna(words).astype(object)
    elif layout.name == "listmonk":  # a link click has a link; a campaign view has none
        link = frame[url].astype("string").fillna("").str.strip() if url is not None else None
        out["event"] = "open" if link is None else link.ne("").map({True: "click", False: "open"})
    else:
        out["event"] = pd.NA
    for name, label in (
        ("email", _first(table, layout.email)),
        ("campaign", _first(table, layout.campaign)),
        ("url", url),
    ):
        out[name] = _joined(frame[label]) if label is not None else pd.NA
    used = {time, event, url, _first(table, layout.email), _first(table, layout.campaign)}
    rest = [c for c in frame.columns if c not in used and c not in SHAPE]
    out = pd.concat([out, frame[rest].map(_flat) if rest else frame[rest]], axis=1)
    out.attrs["locosuppress"] = {"format": layout.name, "source": table.name}
    return out


def _flat(value: object) -> object:
    """Nested JSON values as their JSON text, so every column holds scalars."""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return value

"""The right to be forgotten: :func:`erase_contact` anonymises one person's events now."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Hashable, Iterable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from locosuppress._vocabulary import CONTACT_COLUMN_NAMES, IDENTITY_ADDRESS_NAMES
from locosuppress.errors import SchemaError
from locosuppress.events._anonymise import check_frame, finish
from locosuppress.events._frame import anonymise_frame
from locosuppress.events._options import DEFAULT_KEEP_QUERY_PARAMS, AnonymisationOptions
from locosuppress.events._people import find_column
from locosuppress.events._plan import make_plan
from locosuppress.events._report import AnonymisationResult
from locosuppress.events._times import Resolution, TimestampUnit
from locosuppress.normalize import normalize_email, normalize_emails

__all__ = ["erase_contact"]


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
        column = email_column
        if column is None:
            column = find_column(events.columns, IDENTITY_ADDRESS_NAMES)
        if column is None or column not in events.columns:
            raise SchemaError("no e-mail column to match the address against; pass email_column=")
        canonical = normalize_email(email)
        forms = normalize_emails(events[column])
        mask |= (forms == canonical).fillna(False).to_numpy(dtype=bool)
    if contact_id is not None:
        column = contact_column
        if column is None:
            column = find_column(events.columns, CONTACT_COLUMN_NAMES)
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
    timestamp_unit: TimestampUnit = None,
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
        timestamp, keep, identity, resolution, tz, keep_query_params, k,
            timestamp_unit: as for :func:`anonymise_events` (the age rules,
            ``allow_unreadable`` and ``allow_future``, do not apply here).

    Raises:
        TypeError: neither ``email`` nor ``contact_id`` given.
        InvalidEmailError: ``email`` is not an address.
        SchemaError: as for :func:`anonymise_events`, or no column to match on.
    """
    events = check_frame(events)
    options = AnonymisationOptions(
        timestamp=timestamp,
        keep=keep,
        identity=identity,
        resolution=resolution,
        tz=tz,
        keep_query_params=keep_query_params,
        k=k,
        timestamp_unit=timestamp_unit,
    )
    plan = make_plan(events.columns, options)
    chosen = _contact_mask(
        events,
        email=email,
        contact_id=contact_id,
        email_column=email_column,
        contact_column=contact_column,
    )
    return finish(anonymise_frame(events, plan, chosen=chosen), plan)

"""Helpers shared by the anonymisation tests (tests/events/), importable as ``events_support``.

pytest puts ``tests/support`` on ``sys.path`` (``pythonpath`` in pyproject.toml).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from locosuppress import normalize_email


def frame(**columns: Any) -> pd.DataFrame:
    """A small events frame; timestamps given as text become naive datetime64."""
    stamps = columns.pop("timestamp")
    return pd.DataFrame(
        {"timestamp": pd.to_datetime(pd.Series(stamps), format="ISO8601"), **columns}
    )


def sample() -> pd.DataFrame:
    """Two old rows, one recent, one without timestamp."""
    return frame(
        timestamp=["2024-01-05 13:45", "2025-06-01 10:00", None, "2023-06-01 08:00"],
        email=["jan@example.nl", "piet@example.nl", "jan@example.nl", "kees@example.nl"],
        contact_id=[1, 2, 1, 3],
        klant_id=[11, 12, 11, 13],
        notes=["belde jan@example.nl", "x", "y", None],
        campaign_id=[7, 7, 8, 7],
        event_type=["click", "open", "click", "click"],
        url=[
            "https://shop.example.nl/a?utm_source=nl&uid=1#top",
            None,
            "https://u:p@shop.example.nl/jan@example.nl?x=1",
            "HTTPS://shop.example.nl/?utm_campaign=jan%40example.nl",
        ],
    )


def cells(series: pd.Series) -> list[Any]:
    """A column's values as plain Python objects."""
    return series.astype(object).tolist()


def is_na(value: Any) -> bool:
    """Whether a cell is missing (None, NaN, NaT, NA); a list never is."""
    return value is None or bool(pd.isna(value)) if not isinstance(value, list) else False


def addresses_in(events: pd.DataFrame) -> set[str]:
    """The canonical form of every address in the frame's email column."""
    found: set[str] = set()
    for value in cells(events.email):
        if isinstance(value, str):
            found.add(normalize_email(value))
    return found

"""read_events: each provider's event export in one shape, anonymised without keep=."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from interop_support import (
    BREVO,
    BREVO_TS,
    LISTMONK,
    MAILCHIMP,
    MAILGUN,
    NOW,
    SENDGRID,
    write,
)

from locosuppress import SchemaError, anonymise_events, read_events
from locosuppress.errors import InvalidOptionError


@pytest.fixture(
    params=["sendgrid", "sendgrid-jsonl", "mailgun", "brevo", "brevo-ts", "mailchimp", "listmonk"]
)
def source(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, object]:
    """Each provider's event export, as a file or a frame."""
    name = request.param
    data: object = {
        "sendgrid": lambda: write(tmp_path, "events.txt", SENDGRID),
        "sendgrid-jsonl": lambda: _jsonl(tmp_path),
        "mailgun": lambda: write(tmp_path, "events.json", MAILGUN),
        "brevo": lambda: BREVO,
        "brevo-ts": lambda: BREVO_TS,
        "mailchimp": lambda: MAILCHIMP,
        "listmonk": lambda: LISTMONK,
    }[name]()
    return name.split("-")[0], data


def _jsonl(tmp_path: Path) -> Path:
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in SENDGRID), encoding="utf-8")
    return path


class TestReadEvents:
    """One shape for every provider."""

    def test_shape(self, source: tuple[str, object]) -> None:
        """timestamp (aware), event (one vocabulary), email, campaign, url come first."""
        fmt, data = source
        frame = read_events(data)  # type: ignore[arg-type]
        assert ["timestamp", "event", "email", "campaign", "url"] == list(frame.columns[:5])
        assert fmt == frame.attrs["locosuppress"]["format"]
        assert str(frame["timestamp"].dt.tz) == "UTC"
        assert {"click", "open"} == set(frame["event"])
        assert frame["timestamp"].iloc[1] >= pd.Timestamp("2025-05-20T08:00:00Z")

    def test_anonymised_without_keep(self, source: tuple[str, object]) -> None:
        """Old rows lose the person and keep event/campaign/url; recent rows stay as they were."""
        _, data = source
        frame = read_events(data)  # type: ignore[arg-type]
        result = anonymise_events(frame, now=NOW)
        old, recent = result.events.iloc[0], result.events.iloc[1]
        assert pd.isna(old["email"])
        assert frame["event"].iloc[0] == old["event"]
        assert frame["campaign"].iloc[0] == old["campaign"]
        assert pd.isna(old["url"]) or "jan@example.nl" not in str(old["url"])
        pd.testing.assert_series_equal(frame.iloc[1], recent, check_names=False)


class TestNestedValues:
    """Lists and objects in a JSON export become their JSON text, readable again."""

    def test_mailgun_user_variables_are_json(self, tmp_path: Path) -> None:
        """A list inside Mailgun's user-variables reads back as the JSON it was, not a repr."""
        items = [{**item, "user-variables": {"ids": [1, "twee"]}} for item in MAILGUN["items"]]
        frame = read_events(write(tmp_path, "events.json", {**MAILGUN, "items": items}))
        assert [1, "twee"] == json.loads(frame["user-variables.ids"].iloc[0])


class TestErrors:
    """Unknown layouts, guessed epochs and bad options are errors."""

    def test_unknown_layout(self) -> None:
        """Columns that fit no event layout name format=."""
        with pytest.raises(SchemaError, match="cannot tell the event layout"):
            read_events(pd.DataFrame({"x": ["1"]}))

    def test_epoch_not_guessed(self) -> None:
        """Numbers in a generic timestamp column need timestamp_unit=."""
        frame = pd.DataFrame({"timestamp": ["1700000000"], "event": ["open"]})
        with pytest.raises(SchemaError, match="timestamp_unit"):
            read_events(frame, format="generic")
        got = read_events(frame, format="generic", timestamp_unit="s")
        assert pd.Timestamp(1_700_000_000, unit="s", tz="UTC") == got["timestamp"].iloc[0]

    def test_unreadable_time(self) -> None:
        """A time that is not a time gives its position."""
        frame = MAILCHIMP.assign(Timestamp=["gisteren", "2025-05-20T08:00:00+00:00"])
        with pytest.raises(SchemaError, match=r"row positions 0 \(0-based\)"):
            read_events(frame)

    def test_tz(self) -> None:
        """Naive times are read in tz and the result is in tz."""
        got = read_events(BREVO, tz="Europe/Amsterdam")
        assert (
            pd.Timestamp("2023-01-10 09:00:00", tz="Europe/Amsterdam") == got["timestamp"].iloc[0]
        )

    def test_bad_options(self) -> None:
        """Unknown formats and units are refused."""
        with pytest.raises(InvalidOptionError, match="unknown format"):
            read_events(BREVO, format="hotmail")
        with pytest.raises(InvalidOptionError, match="timestamp_unit"):
            read_events(BREVO, timestamp_unit="days")

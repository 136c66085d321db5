"""Tests for locosuppress.events._frame: the work on one frame."""

from __future__ import annotations

import logging
import pickle
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
from events_support import cells, is_na, sample

import locosuppress.events._frame as frame_module
from locosuppress import anonymise_events, erase_contact

NOW = pd.Timestamp("2025-06-15 12:00")


class TestAnonymiseFrame:
    """What happens to old rows, and what does not happen to recent ones."""

    def test_old_rows(self, oracle: Any) -> None:
        """Old rows keep the allow-listed columns (scrubbed) and a floored timestamp."""
        result = anonymise_events(sample(), now=NOW)
        out = result.events
        assert [True, False, True, True] == oracle.old_mask(sample(), NOW, "UTC")
        for column in ("email", "contact_id", "klant_id", "notes"):
            assert [True, False, True, True] == out[column].isna().tolist()
        assert [7, 7, 8, 7] == out.campaign_id.tolist()
        assert [
            "https://shop.example.nl/a?utm_source=nl",
            None,
            "https://shop.example.nl/[email]",
            "HTTPS://shop.example.nl/?utm_campaign=[email]",
        ] == [None if is_na(v) else v for v in cells(out.url)]
        expected = pd.to_datetime(
            pd.Series(["2024-01-05 00:00", "2025-06-01 10:00", None, "2023-06-01 00:00"])
        )
        pd.testing.assert_series_equal(expected, out.timestamp, check_names=False)

    def test_recent_rows_exact(self) -> None:
        """Recent rows come back exactly; int64 columns turn Int64 without changing values."""
        events = sample()
        out = anonymise_events(events, now=NOW).events
        recent = out.iloc[[1]]
        pd.testing.assert_frame_equal(events.iloc[[1]], recent, check_dtype=False)
        assert "Int64" == str(out.contact_id.dtype)
        assert "int64" == str(out.campaign_id.dtype)  # kept: left as it is

    def test_input_untouched(self) -> None:
        """The input frame is never modified."""
        events = sample()
        before = events.copy(deep=True)
        anonymise_events(events, now=NOW)
        erase_contact(events, email="jan@example.nl")
        pd.testing.assert_frame_equal(before, events)

    def test_same_shape(self) -> None:
        """Same rows, order, index and columns."""
        events = sample()
        events.index = pd.Index([10, 3, 7, 1])
        out = anonymise_events(events, now=NOW).events
        assert list(events.columns) == list(out.columns)
        pd.testing.assert_index_equal(events.index, out.index)

    def test_idempotent(self) -> None:
        """Anonymising the result again changes nothing and counts the rows as already done."""
        once = anonymise_events(sample(), now=NOW)
        twice = anonymise_events(once.events, now=NOW)
        pd.testing.assert_frame_equal(once.events, twice.events)
        assert (0, 3) == (twice.report.rows_anonymised, twice.report.rows_already_anonymous)

    def test_no_rows(self) -> None:
        """An empty frame gives an empty result, empty aggregates and a zero report."""
        result = anonymise_events(sample().iloc[:0], now=NOW)
        assert 0 == len(result.events) == len(result.aggregates)
        assert (0, 0) == (result.report.rows_seen, result.report.rows_selected)
        assert () == result.report.columns_emptied

    def test_threads_do_not_change_the_result(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Working on the columns in parallel gives the same result as one by one."""
        monkeypatch.setattr(frame_module, "threads_for", lambda rows: 1)
        alone = anonymise_events(sample(), now=NOW)
        monkeypatch.setattr(frame_module, "threads_for", lambda rows: 3)
        parallel = anonymise_events(sample(), now=NOW)
        pd.testing.assert_frame_equal(alone.events, parallel.events)
        pd.testing.assert_frame_equal(alone.aggregates, parallel.aggregates)
        assert alone.report == parallel.report

    def test_writes_and_logs_nothing(self, tmp_path: Any, monkeypatch: Any, caplog: Any) -> None:
        """No file is written and no log record mentions anything."""
        monkeypatch.chdir(tmp_path)
        with caplog.at_level(logging.DEBUG):
            anonymise_events(sample(), now=NOW)
            erase_contact(sample(), email="jan@example.nl")
        assert [] == list(tmp_path.iterdir())
        assert [] == [r for r in caplog.records if r.name.startswith("locosuppress")]


SECRET = "geheim.adres@example.nl"
RECENT = "recent.adres@example.nl"


def _categorical_events(dtype: str) -> pd.DataFrame:
    """A kept and an emptied categorical column whose unused categories hold an address."""
    url = pd.Categorical(
        ["https://x.nl/a", f"https://x.nl/?e={RECENT}"],
        categories=["https://x.nl/a", f"https://x.nl/?e={RECENT}", f"https://x.nl/?e={SECRET}"],
    )
    notes = pd.Categorical(["zomer", "winter"], categories=["zomer", "winter", SECRET])
    events = pd.DataFrame(
        {
            "timestamp": pd.to_datetime(pd.Series(["2020-01-01", "2025-06-10"])),
            "url": url,
            "notes": notes,
        }
    )
    if dtype == "arrow-dictionary":
        arrow = pd.ArrowDtype(pa.dictionary(pa.int32(), pa.string()))
        for name in ("url", "notes"):
            array = pa.DictionaryArray.from_arrays(
                pa.array(events[name].cat.codes.to_numpy(), pa.int32()),
                pa.array(list(events[name].cat.categories), pa.string()),
            )
            events[name] = pd.Series(pd.arrays.ArrowExtensionArray(array), dtype=arrow)
    return events


def _written(frame: pd.DataFrame, folder: Path) -> dict[str, bytes]:
    """The bytes of the frame pickled, and written as uncompressed Parquet and Feather."""
    frame = frame.reset_index(drop=True)
    frame.to_parquet(folder / "f.parquet", compression=None)
    frame.to_feather(folder / "f.feather", compression="uncompressed")
    return {
        "pickle": pickle.dumps(frame),
        "parquet": (folder / "f.parquet").read_bytes(),
        "feather": (folder / "f.feather").read_bytes(),
    }


class TestCategories:
    """Categorical columns come out with only the categories in use (no address in a spare one)."""

    @pytest.mark.parametrize("dtype", ["category", "arrow-dictionary"])
    @pytest.mark.parametrize("now", [NOW, pd.Timestamp("2019-01-01")], ids=["old", "all-recent"])
    def test_unused_categories_dropped(self, tmp_path: Path, dtype: str, now: pd.Timestamp) -> None:
        """No written copy of the events or the aggregates holds an unused category's address."""
        result = anonymise_events(
            _categorical_events(dtype), now=now, keep=["url"], allow_future=True
        )
        for what, frame in (("events", result.events), ("aggregates", result.aggregates)):
            for form, blob in _written(frame, tmp_path).items():
                assert SECRET.encode() not in blob, (what, form)
                if what == "aggregates":  # a recent row's value is no group of old rows
                    assert RECENT.encode() not in blob, form
        if dtype == "category":
            for frame in (result.events, result.aggregates):
                assert set(frame.url.dropna()) == set(frame.url.cat.categories)
            assert set(result.events.notes.dropna()) == set(result.events.notes.cat.categories)

"""locosuppress.dask.anonymise_events on a real LocalCluster equals the pandas result."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

import locosuppress.dask._events as dask_events_module  # noqa: E402
from locosuppress import SchemaError, anonymise_events  # noqa: E402
from locosuppress.dask import DaskAnonymisationResult  # noqa: E402
from locosuppress.dask import anonymise_events as dask_anonymise  # noqa: E402
from locosuppress.events import AnonymisationOptions  # noqa: E402
from locosuppress.testing import event_frames  # noqa: E402

pytestmark = pytest.mark.slow

NOW = pd.Timestamp("2025-06-15 12:00")
AMS = "Europe/Amsterdam"


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """A two-process local cluster, one thread per worker."""
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def events(rows: int = 6_000) -> pd.DataFrame:
    """People who click in several partitions, text and URLs to scrub, some missing times."""
    stamps = pd.date_range("2023-12-01", "2025-06-14", periods=rows).as_unit("ns")
    return pd.DataFrame(
        {
            "timestamp": pd.Series(stamps).where(pd.RangeIndex(rows) % 97 != 0),
            "email": [f"person{i % 150}@example.nl" for i in range(rows)],
            "contact_id": pd.Series(range(rows), dtype="int64") % 150,
            "klant_id": pd.Series(range(rows), dtype="int64"),
            "campaign_id": pd.Series(range(rows), dtype="int64") % 4,
            "event_type": ["click" if i % 3 else "open" for i in range(rows)],
            "url": [
                f"https://shop.example.nl/c/{i % 4}?utm_source=nl&uid={i % 150}#top"
                if i % 3
                else None
                for i in range(rows)
            ],
            "notes": [f"mail person{i % 150}@example.nl" for i in range(rows)],
        }
    )


def assert_same(expected: Any, actual: Any) -> None:
    pd.testing.assert_frame_equal(expected.events, actual.events)
    pd.testing.assert_frame_equal(expected.aggregates, actual.aggregates)
    assert expected.report == actual.report


class TestDaskAnonymise:
    """Per-partition anonymisation with one cutoff, and reports that add up."""

    def test_equals_pandas(self, client: Any) -> None:
        """Events, aggregates and report equal the pandas result on the same data."""
        collection = dd.from_pandas(events(), npartitions=6)
        expected = anonymise_events(collection.compute(), now=NOW, tz=AMS)
        result = dask_anonymise(collection, now=NOW, tz=AMS)
        assert isinstance(result, DaskAnonymisationResult)
        assert_same(expected, result.compute())

    def test_lazy_events_and_summary(self, client: Any) -> None:
        """The lazy events compute to the pandas events; summary() gives report and aggregates."""
        collection = dd.from_pandas(events(), npartitions=4)
        expected = anonymise_events(collection.compute(), now=NOW)
        result = dask_anonymise(collection, now=NOW)
        assert collection.divisions == result.events.divisions
        pd.testing.assert_frame_equal(expected.events, result.events.compute())
        report, aggregates = result.summary()
        assert expected.report == report
        pd.testing.assert_frame_equal(expected.aggregates, aggregates)

    def test_one_cutoff_when_now_is_omitted(self, client: Any) -> None:
        """Without now, the cutoff is taken once on the client and used by every partition."""
        before = pd.Timestamp.now(tz="UTC") - pd.DateOffset(months=12)
        result = dask_anonymise(dd.from_pandas(events(600), npartitions=3))
        after = pd.Timestamp.now(tz="UTC") - pd.DateOffset(months=12)
        assert before <= result.cutoff <= after
        report, _ = result.summary()
        assert result.cutoff == report.cutoff

    def test_people_across_partitions(self, client: Any) -> None:
        """A person in several partitions is one person in the aggregates, not one per partition."""
        frame = events(900).assign(timestamp=pd.Timestamp("2024-01-05 10:00"))
        collection = dd.from_pandas(frame, npartitions=5)
        _, aggregates = dask_anonymise(collection, now=NOW).summary()
        expected = anonymise_events(collection.compute(), now=NOW).aggregates
        pd.testing.assert_frame_equal(expected, aggregates)
        per_partition = sum(
            int(anonymise_events(part, now=NOW).aggregates.people.sum())
            for part in collection.partitions
            for part in [part.compute()]
        )
        assert per_partition > int(aggregates.people.sum())

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(event_frames(now=NOW, tz=AMS, min_rows=1, max_rows=30))
    def test_generated_frames(self, client: Any, frame: pd.DataFrame) -> None:
        """On generated frames (any timestamp kind, index, text dtype) it equals pandas."""
        collection = dd.from_pandas(frame, npartitions=3, sort=False)
        expected = anonymise_events(collection.compute(), now=NOW, tz=AMS, allow_unreadable=True)
        actual = dask_anonymise(collection, now=NOW, tz=AMS, allow_unreadable=True).compute()
        assert_same(expected, actual)

    def test_store_and_summary_in_one_pass(self, tmp_path: Path, monkeypatch: Any) -> None:
        """Writing the events and computing the summary together anonymises each partition once."""
        calls: list[int] = []
        original = dask_events_module.anonymise_partition

        def counting(*args: Any, **kwargs: Any) -> Any:
            calls.append(1)
            return original(*args, **kwargs)

        monkeypatch.setattr(dask_events_module, "anonymise_partition", counting)
        collection = dd.from_pandas(events(600), npartitions=3)
        result = dask_anonymise(collection, now=NOW)
        with dask.config.set(scheduler="sync"), warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # dask: mixed collection kinds
            _, (report, _) = dask.compute(
                result.events.to_parquet(tmp_path, compute=False), result.summary_delayed
            )
        assert 3 == len(calls)
        assert 600 == len(dd.read_parquet(tmp_path).compute())
        assert 600 > report.rows_selected > 0

    def test_errors_before_running(self) -> None:
        """Bad columns fail at once; a pandas frame is refused with a hint."""
        collection = dd.from_pandas(events(60), npartitions=2)
        with pytest.raises(SchemaError, match="campagne"):
            dask_anonymise(collection, now=NOW, keep=["campagne"])
        with pytest.raises(TypeError, match="pandas"):
            dask_anonymise(events(60), now=NOW)
        with pytest.raises(ValueError, match="months"):
            dask_anonymise(collection, now=NOW, months=-1)

    def test_unix_times_and_future(self, client: Any) -> None:
        """timestamp_unit, allow_future and the future count work as in pandas."""
        frame = events(600)
        seconds = frame["timestamp"].astype("int64") // 10**9
        frame["timestamp"] = seconds.where(frame["timestamp"].notna()).astype("Int64")
        frame.loc[5, "timestamp"] = 253_402_214_400  # 9999-12-31: a sentinel
        collection = dd.from_pandas(frame, npartitions=3)
        for options in ({}, {"allow_future": True}):
            expected = anonymise_events(
                collection.compute(), now=NOW, timestamp_unit="s", **options
            )
            actual = dask_anonymise(collection, now=NOW, timestamp_unit="s", **options)
            assert_same(expected, actual.compute())
            assert 1 == actual.summary()[0].rows_future_timestamp

    def test_mostly_unreadable_partition_refused(self, client: Any) -> None:
        """A partition whose timestamps are mostly unreadable raises when computed."""
        frame = events(600).astype({"timestamp": "str"})
        frame.loc[:250, "timestamp"] = "gisteren"  # most of the first partition only
        collection = dd.from_pandas(frame, npartitions=3, sort=False)
        with pytest.raises(SchemaError, match="allow_unreadable=True"):
            dask_anonymise(collection, now=NOW).compute()
        allowed = dask_anonymise(collection, now=NOW, allow_unreadable=True).compute()
        assert 251 == allowed.report.rows_unreadable_timestamp

    def test_options_built_once(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The keywords become one AnonymisationOptions value, made on the client."""
        made: list[AnonymisationOptions] = []

        def counting(**keywords: Any) -> AnonymisationOptions:
            made.append(AnonymisationOptions(**keywords))
            return made[-1]

        monkeypatch.setattr(dask_events_module, "AnonymisationOptions", counting)
        dask_anonymise(dd.from_pandas(events(60), npartitions=2), now=NOW, tz=AMS, k=3)
        assert [AnonymisationOptions(tz=AMS, k=3)] == made

    def test_str(self) -> None:
        """The lazy result says what it is and how to get the report."""
        result = dask_anonymise(dd.from_pandas(events(60), npartitions=2), now=NOW)
        assert "2 partitions" in str(result)
        assert ".summary()" in str(result)

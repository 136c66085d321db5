"""Filtering on a real Dask cluster equals the pandas path (without dedupe)."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from locosuppress import SuppressionKey, SuppressionList
from locosuppress.testing import mailing_frames

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
ldask = pytest.importorskip("locosuppress.dask")

pytestmark = pytest.mark.slow

SUPPRESSED = [f"persoon{i}@example.nl" for i in range(0, 4000, 3)]


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    """A real LocalCluster with two worker processes.

    Dask's automatic conversion of object columns to Arrow strings is turned
    off, so the partitions hold exactly the values pandas holds (numbers,
    bytes, None) and the comparison is like for like.
    """
    import dask

    with (
        dask.config.set({"dataframe.convert-string": False}),
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


@pytest.fixture(scope="module")
def lst(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SuppressionList]:
    """A list with address, newsletter-only and domain entries."""
    path = tmp_path_factory.mktemp("dask") / "list.db"
    with SuppressionList.open(path, SuppressionKey(bytes(range(32)))) as opened:
        opened.add_many(SUPPRESSED)
        opened.add_many(["nieuws@example.nl"], scope="newsletter")
        opened.add_domain("spamtrap.example")
        yield opened


def _same(expected: pd.DataFrame, got: pd.DataFrame) -> None:
    """Equal up to string dtypes (Dask may hold text as another string dtype)."""
    pd.testing.assert_frame_equal(
        expected.astype(object), got.astype(object), check_index_type=False
    )


class TestDaskFilter:
    """locosuppress.dask.filter on a LocalCluster."""

    def test_large_run(self, client: object, lst: SuppressionList) -> None:
        """200,000 rows in 8 partitions: same kept rows and report as pandas."""
        n = 200_000
        emails = [
            f"  Persoon{i}@Example.NL " if i % 5 else f"persoon{i}@example.nl" for i in range(n)
        ]
        emails[7] = "x@spamtrap.example"
        emails[8] = None  # type: ignore[call-overload]
        frame = pd.DataFrame({"email": emails, "postcode": "0123 AB", "nr": range(n)})
        expected = lst.filter(frame, dedupe=False)
        result = ldask.filter(dd.from_pandas(frame, npartitions=8), lst)
        kept, report = result.compute()
        _same(expected.kept, kept)
        assert expected.report.to_dict() | {"audited": True} == report.to_dict() | {"audited": True}
        assert report.suppressed == len(SUPPRESSED) + 1

    def test_report_alone_and_audit(self, client: object, lst: SuppressionList) -> None:
        """report() computes the summed counts and writes one audit row."""
        before = len(lst.audit())
        frame = pd.DataFrame({"email": ["persoon0@example.nl", "nieuw@example.nl", "bad"]})
        report = ldask.filter(dd.from_pandas(frame, npartitions=2), lst, channel="post").report()
        assert (3, 1, 1, 1) == (report.total, report.kept, report.suppressed, report.invalid)
        assert report.audited
        assert before + 1 == len(lst.audit())

    def test_context_ships_no_master_key(self, lst: SuppressionList) -> None:
        """The shipped context pickles, and holds the subkeys but not the master key."""
        from locosuppress._dask_filter import FilterContext

        context = FilterContext(
            index=lst.index(),
            material=lst.hashing_material(),
            column="email",
            channel=None,
            on_invalid="exclude",
        )
        blob = pickle.dumps(context)
        assert bytes(range(32)) not in blob

    def test_lazy(self, lst: SuppressionList) -> None:
        """Nothing is computed until asked; kept has the input's columns."""
        frame = pd.DataFrame({"email": ["a@b.nl"], "x": [1]})
        result = ldask.filter(dd.from_pandas(frame, npartitions=1), lst)
        assert ["email", "x"] == list(result.kept.columns)

    @settings(
        max_examples=15,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        frame=mailing_frames(min_rows=1, max_rows=20),
        parts=st.integers(1, 3),
        channel=st.sampled_from([None, "newsletter", "post"]),
        on_invalid=st.sampled_from(["exclude", "keep"]),
    )
    def test_equals_pandas(
        self,
        client: object,
        lst: SuppressionList,
        frame: pd.DataFrame,
        parts: int,
        channel: str | None,
        on_invalid: str,
    ) -> None:
        """Any small frame, any partitioning: Dask == pandas with dedupe=False."""
        frame = frame.reset_index(drop=True)
        if isinstance(frame["email"].dtype, pd.CategoricalDtype):
            frame["email"] = frame["email"].astype(object)
        expected = lst.filter(frame, channel=channel, on_invalid=on_invalid, dedupe=False)
        ddf = dd.from_pandas(frame, npartitions=parts, sort=False)
        kept, report = ldask.filter(ddf, lst, channel=channel, on_invalid=on_invalid).compute()
        _same(expected.kept, kept)
        assert expected.report.total == report.total
        assert expected.report.suppressed_by_scope == report.suppressed_by_scope
        assert (expected.report.kept, expected.report.invalid, expected.report.missing) == (
            report.kept,
            report.invalid,
            report.missing,
        )


def test_docs_mention_trust() -> None:
    """docs/dask.md says what workers are trusted with."""
    text = (Path(__file__).parent.parent / "docs" / "dask.md").read_text(encoding="utf-8")
    assert "trust" in text
    assert "subkey" in text

"""Filtering on a real Dask cluster equals the pandas path (without dedupe)."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from locosuppress import ListChangedError, SuppressionKey, SuppressionList
from locosuppress.testing import address_values, listed_values, mailing_frames

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


def _canonical_forms(values: pd.Series) -> list[str]:
    """Canonical forms as plain strings."""
    from locosuppress import normalize_emails

    return [str(v) for v in normalize_emails(values)]


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
        from locosuppress.dask import FilterContext

        context = FilterContext(
            index=lst.index(),
            material=lst.hashing_material(),
            column="email",
            channel=None,
            on_invalid="exclude",
        )
        blob = pickle.dumps(context)
        assert bytes(range(32)) not in blob

    def test_context_deserialised_once_per_worker(self, client, lst: SuppressionList) -> None:
        """16 partitions on 2 workers: each worker unpickles the context at most once.

        Unpickling the context builds its HashingMaterial, so counting those
        constructions inside the worker processes counts deserialisations.
        """

        def count_materials() -> None:
            import locosuppress.keys as keys

            cls = keys.HashingMaterial
            if "_built" not in vars(cls):
                original = cls.__init__

                def counting(self, *args, **kwargs):  # type: ignore[no-untyped-def]
                    type(self)._built += 1
                    original(self, *args, **kwargs)

                cls.__init__ = counting  # type: ignore[method-assign]
            cls._built = 0  # type: ignore[attr-defined]

        def built() -> int:
            import locosuppress.keys as keys

            return int(keys.HashingMaterial._built)  # type: ignore[attr-defined]

        client.run(count_materials)  # type: ignore[attr-defined]
        frame = pd.DataFrame({"email": [f"persoon{i}@example.nl" for i in range(4000)]})
        kept, report = ldask.filter(dd.from_pandas(frame, npartitions=16), lst).compute()
        assert 4000 - len(SUPPRESSED) == len(kept) == report.kept
        per_worker = client.run(built)  # type: ignore[attr-defined]
        assert 2 == len(per_worker)
        assert all(n <= 1 for n in per_worker.values()), per_worker
        assert 1 <= sum(per_worker.values())

    def test_docs_dedupe_recipe(self, client: object, lst: SuppressionList) -> None:
        """The de-duplication recipe in docs/dask.md, run as written, matches dedupe=True."""
        page = (Path(__file__).parents[2] / "docs" / "dask.md").read_text(encoding="utf-8")
        section = page.split("## No de-duplication across partitions", 1)[1]
        recipe = section.split("```python\n", 1)[1].split("```", 1)[0]
        emails = [f"Persoon{i % 700}@Example.NL" if i % 3 else f"x{i}@ex.nl" for i in range(3000)]
        frame = pd.DataFrame({"email": emails, "nr": range(3000)})
        expected = lst.filter(frame)
        namespace = {
            "result": ldask.filter(dd.from_pandas(frame, npartitions=6), lst),
            "locosuppress": __import__("locosuppress"),
        }
        exec(recipe, namespace)  # noqa: S102 - the documented recipe itself
        clean = namespace["clean"].compute()
        assert len(expected.kept) == len(clean)
        canonical = set(_canonical_forms(clean["email"]))
        assert set(_canonical_forms(expected.kept["email"])) == canonical

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
        frame=mailing_frames(
            min_rows=1,
            max_rows=20,
            values=st.one_of(
                address_values(),
                listed_values(
                    [*SUPPRESSED[:50], "nieuws@example.nl"], domains=["spamtrap.example"]
                ),
            ),
        ),
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
        assert expected.report.suppressed_by_entry == report.suppressed_by_entry
        event(f"suppressed rows: {'some' if report.suppressed else 'none'}")


@pytest.fixture(params=["sqlite", "postgres"])
def own_location(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Where this test's own list goes: a file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return tmp_path / "own.db"
    server = request.getfixturevalue("postgres_server")
    return str(server.url(server.new_database()))


@pytest.fixture
def own(own_location: Path | str) -> Iterator[SuppressionList]:
    """A small list of this test's own (the module's list is shared and never changed)."""
    with SuppressionList.open(own_location, SuppressionKey(bytes(range(32)))) as opened:
        opened.add("oud@example.nl")
        yield opened


FRESH = pd.DataFrame({"email": ["oud@example.nl", "nieuw@example.nl", "later@example.nl"]})


class TestListChangedAfterBuild:
    """compute() refuses a graph built before the list changed or was closed."""

    def test_address_added_after_build(self, client: object, own: SuppressionList) -> None:
        """An address added after the graph was built: kept.compute() raises, nothing returned."""
        result = ldask.filter(dd.from_pandas(FRESH, npartitions=2), own)
        own.add("later@example.nl")
        with pytest.raises(ListChangedError, match="build the Dask filter again"):
            result.kept.compute()
        with pytest.raises(ListChangedError, match="build the Dask filter again"):
            result.compute()
        rebuilt = ldask.filter(dd.from_pandas(FRESH, npartitions=2), own).kept.compute()
        assert ["nieuw@example.nl"] == list(rebuilt["email"])

    def test_removed_after_build(self, client: object, own: SuppressionList) -> None:
        """A removal after the graph was built: report() raises too."""
        result = ldask.filter(dd.from_pandas(FRESH, npartitions=2), own)
        own.remove("oud@example.nl")
        with pytest.raises(ListChangedError, match="changed after"):
            result.report()

    def test_closed_after_build(self, client: object, own: SuppressionList) -> None:
        """Computing after lst.close() raises instead of filtering against a closed list."""
        result = ldask.filter(dd.from_pandas(FRESH, npartitions=2), own)
        own.close()
        with pytest.raises(ListChangedError, match="closed"):
            result.kept.compute()

    def test_other_process_adds(
        self, client: object, own: SuppressionList, own_location: Path | str
    ) -> None:
        """A write through another connection to the same list counts as a change."""
        result = ldask.filter(dd.from_pandas(FRESH, npartitions=2), own)
        with SuppressionList.open(own_location, SuppressionKey(bytes(range(32)))) as other:
            other.add_domain("example.org")
        with pytest.raises(ListChangedError, match="changed after"):
            result.kept.compute()

    def test_unchanged_computes_again(self, client: object, own: SuppressionList) -> None:
        """An unchanged list: the graph computes again and again (audit rows are no change)."""
        result = ldask.filter(dd.from_pandas(FRESH, npartitions=2), own)
        first, report = result.compute()
        assert report.audited
        again, _ = result.compute()
        assert ["nieuw@example.nl", "later@example.nl"] == list(again["email"])
        _same(first, result.kept.compute())

    @pytest.mark.parametrize("scheduler", ["sync", "threads"])
    def test_local_schedulers(self, own: SuppressionList, scheduler: str) -> None:
        """Without a cluster (the task runs beside the list) the check holds as well."""
        result = ldask.filter(dd.from_pandas(FRESH, npartitions=2), own)
        assert 2 == len(result.kept.compute(scheduler=scheduler))
        own.add("later@example.nl")
        with pytest.raises(ListChangedError, match="build the Dask filter again"):
            result.kept.compute(scheduler=scheduler)
        own.close()
        with pytest.raises(ListChangedError, match="closed"):
            result.kept.compute(scheduler=scheduler)


def test_docs_mention_trust() -> None:
    """docs/dask.md says what workers are trusted with."""
    text = (Path(__file__).parents[2] / "docs" / "dask.md").read_text(encoding="utf-8")
    assert "trust" in text
    assert "subkey" in text


@pytest.fixture(scope="module")
def kinds_list(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SuppressionList]:
    """A list with address entries, a client's md5 file and a wildcard domain."""
    import hashlib

    path = tmp_path_factory.mktemp("dask-kinds") / "list.db"
    with SuppressionList.open(path, SuppressionKey(bytes(range(32)))) as opened:
        opened.add_many(SUPPRESSED[:100])
        md5s = [hashlib.md5(f"klant{i}@example.nl".encode()).hexdigest() for i in range(0, 500, 7)]
        opened.add_foreign_hashes(md5s, kind="md5", scope="newsletter")
        opened.add_domain("*.spam.example")
        yield opened


class TestDaskKinds:
    """Foreign-digest and wildcard entries match on Dask as in pandas."""

    def test_equals_pandas(self, client: object, kinds_list: SuppressionList) -> None:
        """Kept rows and the report (by entry too) equal the pandas path's."""
        emails = [f"  Klant{i}@Example.NL " for i in range(500)]
        emails += ["a@b.spam.example", "x@spam.example", SUPPRESSED[3]]
        frame = pd.DataFrame({"email": emails, "nr": range(len(emails))})
        for channel in (None, "post"):
            expected = kinds_list.filter(frame, channel=channel, dedupe=False)
            ddf = dd.from_pandas(frame, npartitions=3)
            kept, report = ldask.filter(ddf, kinds_list, channel=channel).compute()
            _same(expected.kept, kept)
            assert expected.report.suppressed_by_entry == report.suppressed_by_entry
        assert {"address": 1, "domain": 0, "wildcard": 1} == dict(report.suppressed_by_entry)
        any_channel = kinds_list.filter(frame, dedupe=False).report.suppressed_by_entry
        assert {"address": 1, "domain": 0, "wildcard": 1, "md5": 72} == dict(any_channel)

"""Dask filtering of a rotated list applies the key chain, on a real LocalCluster."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from locosuppress import KeyRing, ListChangedError, SuppressionKey, SuppressionList

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
ldask = pytest.importorskip("locosuppress.dask")

pytestmark = pytest.mark.slow

OLD_KEY = SuppressionKey(bytes(range(32)))
NEW_KEY = SuppressionKey(bytes(range(32, 64)))
SUPPRESSED = [f"persoon{i}@example.nl" for i in range(0, 3000, 3)]


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    """A real LocalCluster with two worker processes (object columns kept as they are)."""
    import dask

    with (
        dask.config.set({"dataframe.convert-string": False}),
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


def frame() -> pd.DataFrame:
    """3,000 rows: every third suppressed, one at a suppressed domain, one invalid."""
    emails: list[object] = [f" Persoon{i}@Example.NL" for i in range(3000)]
    emails[1] = "wie@spamtrap.example"
    emails[2] = "geen adres"
    return pd.DataFrame({"email": emails, "nr": range(3000)})


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """A list with addresses and a domain under the old key (closed)."""
    target = tmp_path / "list.db"
    with SuppressionList.open(target, OLD_KEY) as lst:
        lst.add_many(SUPPRESSED)
        lst.add_domain("spamtrap.example")
    return target


class TestDaskAfterRotation:
    """The Dask path uses the list's material, so it matches through the chain."""

    def test_same_result_as_before_rotation(self, client: object, path: Path) -> None:
        """Kept rows and report equal the pandas filter, before and after the rotation."""
        with SuppressionList.open(path, OLD_KEY) as lst:
            before = ldask.filter(dd.from_pandas(frame(), npartitions=4), lst).compute()
            lst.rotate_key(NEW_KEY)
            after = ldask.filter(dd.from_pandas(frame(), npartitions=4), lst).compute()
            pandas = lst.filter(frame(), dedupe=False)
        assert len(SUPPRESSED) + 1 == before[1].suppressed
        for kept, report in (before, after):
            assert pandas.kept.index.tolist() == sorted(kept.index.tolist())
            assert pandas.report.suppressed == report.suppressed
        with SuppressionList.open(path, KeyRing([OLD_KEY, NEW_KEY])) as lst:
            kept, report = ldask.filter(dd.from_pandas(frame(), npartitions=3), lst).compute()
        assert (len(SUPPRESSED) + 1, pandas.kept.index.tolist()) == (
            report.suppressed,
            sorted(kept.index.tolist()),
        )

    def test_graph_built_before_rotation_refuses(self, client: object, path: Path) -> None:
        """A graph built before a rotation raises ListChangedError when computed."""
        with SuppressionList.open(path, OLD_KEY) as lst:
            result = ldask.filter(dd.from_pandas(frame(), npartitions=2), lst)
            lst.rotate_key(NEW_KEY)
            with pytest.raises(ListChangedError, match="changed"):
                result.compute()

    def test_context_ships_no_key_of_the_chain(self, path: Path) -> None:
        """The material shipped to workers holds subkeys and wraps, no key of the ring."""
        ring = KeyRing([OLD_KEY, NEW_KEY])
        with SuppressionList.open(path, OLD_KEY) as lst:
            lst.rotate_key(NEW_KEY)
        with SuppressionList.open(path, ring) as lst:
            blob = pickle.dumps(lst.hashing_material())
        assert bytes(range(32)) not in blob
        assert bytes(range(32, 64)) not in blob

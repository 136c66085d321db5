"""The deprecated ``workers=`` option: accepted for one release, warned about, ignored."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

import locosuppress
from locosuppress import InvalidOptionError, SuppressionKey, SuppressionList
from locosuppress._compat import WORKERS_GONE, accept_workers
from locosuppress.filtering import filter_frame

EMAILS = pd.Series(
    ["Jan@Example.NL", " piet+x@example.nl", "niet-een-adres", None, "jan@example.nl"] * 50
)


class TestAcceptWorkers:
    """The one check behind every ``workers=`` option."""

    def test_not_given_is_silent(self) -> None:
        """workers=None (the default) neither warns nor fails."""
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            accept_workers(None)

    @pytest.mark.parametrize("workers", [1, 2, 8])
    def test_any_count_warns(self, workers: int) -> None:
        """Every whole number of at least 1 warns that it is ignored and names Dask."""
        with pytest.warns(DeprecationWarning, match="locosuppress.dask"):
            accept_workers(workers)

    @pytest.mark.parametrize("workers", [0, -1, 1.5, "2", True])
    def test_never_valid_values_still_fail(self, workers: object) -> None:
        """Values that were never valid are still refused, with the way forward."""
        with pytest.raises(InvalidOptionError, match="leave it out"):
            accept_workers(workers)

    def test_message_says_what_to_do(self) -> None:
        """The message says it is ignored and where several cores live now."""
        assert "ignored" in WORKERS_GONE
        assert "docs/dask.md" in WORKERS_GONE

    def test_pool_names_are_gone(self) -> None:
        """start_workers, shutdown_workers and WorkerError are no longer public."""
        for name in ("start_workers", "shutdown_workers", "WorkerError"):
            assert not hasattr(locosuppress, name)
            assert name not in locosuppress.__all__


class TestDeprecatedCalls:
    """Each API that took workers= still accepts it and gives the one-process result."""

    def test_hash_emails(self, test_key: SuppressionKey) -> None:
        """key.hash_emails(workers=2) warns and equals the call without it."""
        expected = test_key.hash_emails(EMAILS)
        with pytest.warns(DeprecationWarning, match="workers= is deprecated"):
            actual = test_key.hash_emails(EMAILS, workers=2)
        pd.testing.assert_series_equal(expected, actual)
        with pytest.warns(DeprecationWarning, match="workers= is deprecated"):
            material = test_key.hashing_material().hash_emails(EMAILS, workers=2)
        pd.testing.assert_series_equal(expected, material)

    def test_filter_and_add_many(self, tmp_path: Path, test_key: SuppressionKey) -> None:
        """lst.add_many and lst.filter with workers=2 warn and do exactly the same."""
        frame = pd.DataFrame({"email": EMAILS, "postcode": "0123 AB"})
        with SuppressionList.open(tmp_path / "a.db", test_key, create=True) as one:
            added = one.add_many(EMAILS[:2])
            expected = one.filter(frame)
        with SuppressionList.open(tmp_path / "b.db", test_key, create=True) as two:
            with pytest.warns(DeprecationWarning, match="workers= is deprecated"):
                assert added == two.add_many(EMAILS[:2], workers=2)
            with pytest.warns(DeprecationWarning, match="workers= is deprecated"):
                actual = two.filter(frame, workers=2)
        pd.testing.assert_frame_equal(expected.kept, actual.kept)
        assert expected.report.to_dict() == actual.report.to_dict()

    def test_filter_frame(self, tmp_path: Path, test_key: SuppressionKey) -> None:
        """The pure engine filter_frame(workers=2) warns and gives the same result."""
        frame = pd.DataFrame({"email": EMAILS})
        with SuppressionList.open(tmp_path / "d.db", test_key, create=True) as lst:
            lst.add("jan@example.nl")
            index = lst.index()
        material = test_key.hashing_material()
        expected = filter_frame(frame, index, material)
        with pytest.warns(DeprecationWarning, match="workers= is deprecated"):
            actual = filter_frame(frame, index, material, workers=2)
        pd.testing.assert_frame_equal(expected.kept, actual.kept)
        assert expected.report == actual.report

    def test_bad_value_fails_before_anything_runs(
        self, tmp_path: Path, test_key: SuppressionKey
    ) -> None:
        """workers=0 fails closed: nothing is added and no filter result comes back."""
        with SuppressionList.open(tmp_path / "c.db", test_key, create=True) as lst:
            with pytest.raises(InvalidOptionError, match="workers must be a whole number"):
                lst.add_many(EMAILS, workers=0)
            assert 0 == len(lst)
            with pytest.raises(InvalidOptionError, match="workers must be a whole number"):
                lst.filter(pd.DataFrame({"email": EMAILS}), workers=0)
            assert ["create"] == list(lst.audit()["operation"])

"""Events per month, identified vs anonymised: the counts and the picture."""

from __future__ import annotations

import sys
from typing import Any

import pandas as pd
import pytest

from locosuppress.events import AnonymisationResult, anonymise_events
from locosuppress.plotting import events_per_month, plot_events_per_month

NOW = "2025-07-01T12:00"


def _events(times: list[str | None]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "timestamp": times,
            "email": [f"p{i}@example.nl" for i in range(len(times))],
            "campaign": ["nb"] * len(times),
            "event": ["open"] * len(times),
        }
    )


@pytest.fixture
def result() -> AnonymisationResult:
    """Two old events in January 2024, one in March 2024, three recent ones, one unreadable."""
    times = [
        "2024-01-03 10:00:00",
        "2024-01-31 23:30:00",
        "2024-03-15 08:00:00",
        "2025-05-02 09:00:00",
        "2025-06-30T23:30:00+02:00",
        "2025-06-01 00:10:00",
        "gisteren",
    ]
    return anonymise_events(_events(times), now=NOW, tz="Europe/Amsterdam")


@pytest.fixture
def pyplot() -> Any:
    """matplotlib's pyplot on the Agg backend, or a clean skip without the plot extra."""
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


class TestEventsPerMonth:
    """The counts behind the plot."""

    def test_identified_and_anonymised_per_month(self, result: AnonymisationResult) -> None:
        """Old rows count as anonymised, recent ones as identified; empty months are zero."""
        counts = events_per_month(result)
        assert "2024-01" == str(counts.index[0])
        assert "2025-06" == str(counts.index[-1])
        assert 18 == len(counts)
        assert (0, 2) == tuple(counts.loc[pd.Period("2024-01", "M")])
        assert (0, 0) == tuple(counts.loc[pd.Period("2024-02", "M")])
        assert (0, 1) == tuple(counts.loc[pd.Period("2024-03", "M")])
        assert (2, 0) == tuple(counts.loc[pd.Period("2025-06", "M")])
        assert 6 == int(counts.to_numpy().sum())  # the unreadable time has no month

    def test_wall_clock_of_the_report_zone(self) -> None:
        """23:30 UTC on 31 January is February in Amsterdam."""
        frame = _events(["2024-01-31T23:30:00+00:00", "2025-06-15T10:00:00+00:00"])
        counts = events_per_month(anonymise_events(frame, now=NOW, tz="Europe/Amsterdam"))
        assert "2024-02" == str(counts.index[0])

    def test_without_identity_the_cutoff_decides(self) -> None:
        """With no identity column, rows before the cutoff count as anonymised."""
        frame = _events(["2024-01-03 10:00:00", "2025-06-01 10:00:00"]).drop(columns="email")
        frame["timestamp"] = pd.to_datetime(frame["timestamp"])
        counts = events_per_month(anonymise_events(frame, now=NOW, identity=()))
        assert (0, 1) == tuple(counts.iloc[0])
        assert (1, 0) == tuple(counts.iloc[-1])


class TestPlot:
    """The picture: stacked bars and the cutoff line."""

    def test_bars_add_up_to_the_events(self, result: AnonymisationResult, pyplot: Any) -> None:
        """Two bars a month whose heights add up to every event with a time."""
        ax = plot_events_per_month(result)
        heights = [patch.get_height() for patch in ax.patches]
        assert 2 * 18 == len(heights)
        assert 6 == sum(heights)
        labels = [text.get_text() for text in ax.get_legend().get_texts()]
        assert {"identified", "anonymised"} <= set(labels)
        assert any(label.startswith("cutoff") for label in labels)

    def test_draws_on_the_axes_given(self, result: AnonymisationResult, pyplot: Any) -> None:
        """An Axes passed in is the one drawn on and returned."""
        _, ax = pyplot.subplots()
        assert ax is plot_events_per_month(result, ax=ax)

    def test_missing_matplotlib_names_the_extra(
        self, result: AnonymisationResult, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Without matplotlib the error says which extra to install."""
        monkeypatch.setitem(sys.modules, "matplotlib", None)
        with pytest.raises(ImportError, match=r"locosuppress\[plot\]"):
            plot_events_per_month(result)

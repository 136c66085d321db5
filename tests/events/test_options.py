"""Tests for locosuppress.events._options: the options value, built once and checked there."""

from __future__ import annotations

import inspect
import pickle
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pandas as pd
import pytest
from events_support import sample

import locosuppress
import locosuppress.events
from locosuppress import InvalidOptionError, SchemaError, anonymise_events
from locosuppress.events import AnonymisationOptions
from locosuppress.events._options import DEFAULT_KEEP, names

NOW = pd.Timestamp("2025-06-15 12:00")
AMS = "Europe/Amsterdam"


class TestAnonymisationOptions:
    """One frozen value holds the checked keywords."""

    def test_defaults_are_the_keywords_defaults(self) -> None:
        """AnonymisationOptions() equals the options of anonymise_events called without any."""
        parameters = inspect.signature(anonymise_events).parameters
        fields = [f.name for f in attrs.fields(AnonymisationOptions)]
        defaults = {name: parameters[name].default for name in fields}
        assert AnonymisationOptions() == AnonymisationOptions(**defaults)
        assert set(fields) <= set(parameters)

    def test_values_are_converted_once(self) -> None:
        """Names become tuples, the zone a tzinfo, the parameters a frozenset."""
        options = AnonymisationOptions(
            keep=(c for c in ["campaign_id", "url"]),
            identity="klant_id",
            tz=AMS,
            keep_query_params=["utm_source"],
        )
        assert ("campaign_id", "url") == options.keep
        assert ("klant_id",) == options.identity
        assert ZoneInfo(AMS) == options.tz
        assert frozenset({"utm_source"}) == options.keep_query_params
        assert (None, None) == (AnonymisationOptions().keep, AnonymisationOptions().identity)
        assert () == AnonymisationOptions(identity=()).identity
        assert ("a",) == names("a")

    def test_default_keep(self) -> None:
        """The default allow-list is lower case (names are compared case-insensitively)."""
        assert all(name == name.casefold() for name in DEFAULT_KEEP)

    def test_frozen(self) -> None:
        """The value cannot be changed after it was checked."""
        options = AnonymisationOptions()
        with pytest.raises(attrs.exceptions.FrozenInstanceError, match="can't set attribute"):
            options.k = 0  # type: ignore[misc]
        assert isinstance(attrs.exceptions.FrozenInstanceError(), AttributeError)

    def test_pickles(self) -> None:
        """It travels to Dask workers unchanged, and is hashable."""
        options = AnonymisationOptions(months=6, tz=AMS, keep=["url"], identity=())
        copy = pickle.loads(pickle.dumps(options))  # noqa: S301 - our own bytes, just made
        assert options == copy
        assert hash(options) == hash(copy)

    @pytest.mark.parametrize(
        ("options", "name"),
        [
            ({"resolution": "week"}, "resolution"),
            ({"k": 0}, "k"),
            ({"k": True}, "k"),
            ({"months": -1}, "months"),
            ({"months": 1.5}, "months"),
            ({"tz": "Europe/Amsterdamm"}, "tz"),
            ({"keep_query_params": ["utm_source", ""]}, "keep_query_params"),
        ],
    )
    def test_checked_when_built(self, options: dict[str, Any], name: str) -> None:
        """Impossible values fail when the value is built: InvalidOptionError, a ValueError."""
        with pytest.raises(InvalidOptionError, match=name) as caught:
            AnonymisationOptions(**options)
        assert isinstance(caught.value, ValueError)

    def test_tz_of_another_type(self) -> None:
        """A zone that is neither a name nor a tzinfo is a TypeError, as before."""
        with pytest.raises(TypeError, match="tz"):
            AnonymisationOptions(tz=5)  # type: ignore[arg-type]

    def test_column_problems_are_schema_errors(self) -> None:
        """Options fine on their own but not for the frame fail with SchemaError, as before."""
        with pytest.raises(SchemaError, match="campagne"):
            anonymise_events(sample(), now=NOW, keep=["campagne"])
        with pytest.raises(SchemaError, match="timestamp="):
            anonymise_events(sample(), now=NOW, timestamp="wanneer")

    def test_exported_from_events_only(self) -> None:
        """It is public in locosuppress.events, not at the top of locosuppress."""
        assert "AnonymisationOptions" in locosuppress.events.__all__
        assert "AnonymisationOptions" not in locosuppress.__all__

    @pytest.mark.parametrize(
        "options",
        [
            {"resolution": "week"},
            {"k": 0},
            {"k": True},
            {"months": -1},
            {"months": 1.5},
            {"tz": "Europe/Amsterdamm"},
            {"now": "NaT"},
            {"keep_query_params": ["utm_source", ""]},
        ],
    )
    def test_bad_options(self, options: dict[str, Any]) -> None:
        """Impossible option values: InvalidOptionError (a ValueError) naming the option."""
        options.setdefault("now", NOW)
        name = next(iter(options))
        with pytest.raises(InvalidOptionError, match=name):
            anonymise_events(sample(), **options)

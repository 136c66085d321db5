"""The shared vocabulary: codes, option checks, and the column names both jobs read."""

from __future__ import annotations

import pandas as pd
import pytest

from locosuppress import InvalidOptionError, SchemaError, find_address_column
from locosuppress._vocabulary import (
    ADDRESS_COLUMN_NAMES,
    CHANNELS,
    IDENTITY_ADDRESS_NAMES,
    SCOPES,
    channel_mask,
    check_remove_reason,
    check_source,
    option_code,
    squash_name,
)
from locosuppress.events import identity_columns


class TestCodes:
    """Stored codes are part of the list format: they never change."""

    def test_scope_codes(self) -> None:
        """all, newsletter, post are 1, 2, 4 (bits in the index)."""
        assert {"all": 1, "newsletter": 2, "post": 4} == dict(SCOPES)

    def test_channels(self) -> None:
        """A channel is blocked by 'all' and by its own scope; None by any scope."""
        assert {None: (1, 2, 4), "newsletter": (1, 2), "post": (1, 4)} == dict(CHANNELS)
        assert (7, 3, 5) == (channel_mask(None), channel_mask("newsletter"), channel_mask("post"))


class TestChecks:
    """Option checks name the choices and never echo something that may be an address."""

    def test_unknown_option_hides_addresses(self) -> None:
        """A bad value holding '@' is described by type only."""
        with pytest.raises(InvalidOptionError, match="unknown scope") as caught:
            option_code("jan@example.nl", SCOPES, "scope")
        assert "jan@example.nl" not in str(caught.value)
        assert "'newsletter'" in str(caught.value)
        with pytest.raises(InvalidOptionError, match="str value") as caught:
            option_code("jan＠example.nl", SCOPES, "scope")
        assert "jan" not in str(caught.value)
        with pytest.raises(InvalidOptionError, match="unknown channel"):
            channel_mask("fax")
        with pytest.raises(InvalidOptionError, match="unknown removal reason"):
            check_remove_reason("bored")

    @pytest.mark.parametrize(
        "label",
        ["", "x" * 201, "jan@example.nl", "jan＠example.nl", "jan%40example.nl", "tab\there"],
    )
    def test_source_labels_refused(self, label: str) -> None:
        """A source label is 1-200 printable characters without '@' (it is stored as text)."""
        with pytest.raises(InvalidOptionError, match="source label"):
            check_source(label)

    def test_source_label_kept(self) -> None:
        """A good label comes back unchanged; None stays None; other types are a TypeError."""
        assert "partner-2025-03.csv" == check_source("partner-2025-03.csv")
        assert check_source(None) is None
        with pytest.raises(TypeError, match="source must be a str"):
            check_source(42)


class TestColumnNames:
    """One place for column names; the filter's set is the strict one."""

    def test_squash(self) -> None:
        """Case, spaces, dashes and underscores do not matter."""
        assert {"emailadres"} == {
            squash_name(n) for n in ("E-mail adres", "EMAIL_ADRES", "e mail adres")
        }

    def test_filter_names_are_a_subset(self) -> None:
        """Every name the filter takes for addresses is also an identity to the anonymiser."""
        assert ADDRESS_COLUMN_NAMES < IDENTITY_ADDRESS_NAMES

    def test_filter_never_takes_a_recipient_name_column(self) -> None:
        """'Ontvanger'/'Recipient' may hold a name: the filter takes 'Email' beside it, never it."""
        both = pd.DataFrame({"Ontvanger": ["Jan"], "Email": ["jan@example.nl"]})
        assert "Email" == find_address_column(both)
        with pytest.raises(SchemaError, match="no address column"):
            find_address_column(pd.DataFrame({"Recipient": ["Jan de Vries"]}))

    def test_anonymiser_treats_recipient_as_identity(self) -> None:
        """For anonymisation a 'Recipient' column is an identity (emptied in old rows)."""
        events = pd.DataFrame({"timestamp": ["2024-01-05"], "Recipient": ["jan@example.nl"]})
        assert ("Recipient",) == identity_columns(events)

"""Filtering imported mailing databases against a suppression list."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import locosuppress
from locosuppress import (
    FilterReport,
    FilterResult,
    InvalidEmailError,
    SchemaError,
    SuppressionKey,
    SuppressionList,
    normalize_email,
)
from locosuppress.filtering import duplicated_digests
from locosuppress.testing import (
    address_values,
    emails,
    listed_values,
    mailing_frames,
    messy_variants,
)

SUPPRESSED_ALL = ["jan.devries@example.nl", "piet@bedrijf.example.com"]
SUPPRESSED_NEWS = ["klaas@example.nl"]
SUPPRESSED_POST = ["anna@example.nl"]
SUPPRESSED_DOMAIN = "spamtrap.example"


def _canon(value: object) -> str | None:
    try:
        return normalize_email(value)
    except InvalidEmailError:
        return None


@pytest.fixture
def key() -> SuppressionKey:
    """The published test key."""
    return SuppressionKey(bytes(range(32)))


@pytest.fixture
def lst(tmp_path: Path, key: SuppressionKey) -> Iterator[SuppressionList]:
    """A list with entries of every scope and one domain entry."""
    with SuppressionList.open(tmp_path / "list.db", key) as opened:
        opened.add_many(SUPPRESSED_ALL, scope="all", reason="erasure")
        opened.add_many(SUPPRESSED_NEWS, scope="newsletter", reason="unsubscribed")
        opened.add_many(SUPPRESSED_POST, scope="post", reason="unsubscribed")
        opened.add_domain(SUPPRESSED_DOMAIN, scope="all", reason="complaint")
        yield opened


def _import() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Klant": ["K001", "K002", "K003", "K004", "K005", "K006", "K007", "K008", "K009"],
            "E-mailadres": [
                "  JAN.DEVRIES+nieuws@Example.NL ",  # suppressed (all), messy
                "nieuw@example.nl",  # kept
                "Klaas <KLAAS@example.nl>",  # suppressed for newsletter only
                "anna@example.nl",  # suppressed for post only
                None,  # missing
                "geen adres",  # invalid
                "Nieuw@Example.nl",  # duplicate of row 1
                "iemand@spamtrap.example",  # domain entry
                "zoë@example.nl",  # kept
            ],
            "Postcode": [
                "0123 AB",
                "1234 CD",
                "0999 ZZ",
                "2000 AA",
                "3000 BB",
                "0001 AA",
                "4000 CC",
                "5000 DD",
                "6000 EE",
            ],
        },
        index=pd.Index([10, 11, 12, 13, 14, 15, 16, 17, 18], name="rij"),
    )


class TestOutcomes:
    """Each row gets exactly one outcome: invalid, suppressed, duplicate or kept."""

    def test_any_channel(self, lst: SuppressionList) -> None:
        """Channel None: every scope suppresses; invalid, duplicates and domains counted."""
        result = lst.filter(_import())
        assert [11, 18] == list(result.kept.index)
        assert [10, 12, 13, 17] == list(result.suppressed_index)
        assert [14, 15] == list(result.invalid_index)
        assert [16] == list(result.duplicate_index)
        report = result.report
        assert (9, 2, 4, 2, 1, 1) == (
            report.total,
            report.kept,
            report.suppressed,
            report.invalid,
            report.missing,
            report.duplicates,
        )
        assert {"all": 2, "newsletter": 1, "post": 1} == dict(report.suppressed_by_scope)
        assert {"address": 3, "domain": 1} == dict(report.suppressed_by_entry)

    def test_newsletter_channel(self, lst: SuppressionList) -> None:
        """A post-only opt-out does not block the newsletter."""
        result = lst.filter(_import(), channel="newsletter")
        assert [11, 13, 18] == list(result.kept.index)
        assert {"all": 2, "newsletter": 1, "post": 0} == dict(result.report.suppressed_by_scope)

    def test_post_channel(self, lst: SuppressionList) -> None:
        """A newsletter-only opt-out does not block physical mailings."""
        result = lst.filter(_import(), channel="post")
        assert [11, 12, 18] == list(result.kept.index)

    def test_keep_invalid(self, lst: SuppressionList) -> None:
        """on_invalid='keep' keeps rows without a usable address but still reports them."""
        result = lst.filter(_import(), on_invalid="keep")
        assert [11, 14, 15, 18] == list(result.kept.index)
        assert 2 == result.report.invalid
        assert not result.report.invalid_excluded

    @pytest.mark.parametrize(
        "spelling",
        [
            "jan.devries@example.nl\u200f",  # a right-to-left mark after it
            "\u202ajan.devries@example.nl\u202c",  # bidi embedding around it
            "jan.devries@example.nl\u00ad",  # a soft hyphen
            "jan.de\u00advries@example.nl",  # a soft hyphen inside
            "jan.devries@example.nl,",
            "jan.devries@example.nl; ",
            "jan.devries@example.nl\ud800",  # a lone surrogate from broken decoding
        ],
    )
    def test_keep_invalid_still_suppresses_a_cleaned_match(
        self, lst: SuppressionList, spelling: str
    ) -> None:
        """on_invalid='keep': an invalid cell whose cleaned form is suppressed is suppressed."""
        frame = pd.DataFrame({"email": pd.Series([spelling, "nieuw@example.nl"], dtype=object)})
        result = lst.filter(frame, on_invalid="keep")
        assert [1] == list(result.kept.index)
        assert (1, 0) == (result.report.suppressed, result.report.invalid)
        assert [0] == list(result.suppressed_index)

    def test_keep_invalid_keeps_a_cleaned_form_that_is_not_listed(
        self, lst: SuppressionList
    ) -> None:
        """A cleaned form that is not on the list leaves the row kept, and counted invalid."""
        frame = pd.DataFrame({"email": ["nieuw@example.nl\u200f", "iemand@spamtrap.example;"]})
        result = lst.filter(frame, on_invalid="keep")
        assert [0] == list(result.kept.index)
        assert (1, 1, 1) == (result.report.kept, result.report.invalid, result.report.suppressed)
        assert {"address": 0, "domain": 1} == dict(result.report.suppressed_by_entry)

    def test_no_dedupe(self, lst: SuppressionList) -> None:
        """dedupe=False keeps repeated addresses."""
        result = lst.filter(_import(), dedupe=False)
        assert [11, 16, 18] == list(result.kept.index)
        assert 0 == result.report.duplicates

    def test_duplicate_of_suppressed_is_suppressed(self, lst: SuppressionList) -> None:
        """Repeats of a suppressed address are suppressed, not duplicates."""
        frame = pd.DataFrame({"email": ["jan.devries@example.nl", "JAN.DEVRIES@example.nl"]})
        result = lst.filter(frame)
        assert (0, 2, 0) == (result.report.kept, result.report.suppressed, result.report.duplicates)

    def test_address_entry_counted_before_domain(self, lst: SuppressionList) -> None:
        """A row matched by address and domain counts once, under the address entry."""
        lst.add("x@spamtrap.example", scope="newsletter")
        result = lst.filter(pd.DataFrame({"email": ["x@spamtrap.example"]}))
        assert {"address": 1, "domain": 0} == dict(result.report.suppressed_by_entry)
        assert {"all": 1, "newsletter": 0, "post": 0} == dict(result.report.suppressed_by_scope)


class TestFrames:
    """The kept frame is the input's rows, untouched, and the input is never modified."""

    def test_kept_keeps_columns_dtypes_index(self, lst: SuppressionList) -> None:
        """Columns, dtypes, index name and order are those of the input."""
        frame = _import()
        frame["Postcode"] = frame["Postcode"].astype("string[pyarrow]")
        frame.attrs["locosuppress"] = {"source": "import.csv"}
        result = lst.filter(frame)
        assert list(frame.columns) == list(result.kept.columns)
        assert list(frame.dtypes) == list(result.kept.dtypes)
        assert "rij" == result.kept.index.name
        assert [
            "0123 AB",
            "1234 CD",
            "0999 ZZ",
            "2000 AA",
            "3000 BB",
            "0001 AA",
            "4000 CC",
            "5000 DD",
            "6000 EE",
        ] == list(frame["Postcode"])
        pd.testing.assert_frame_equal(frame.loc[[11, 18]], result.kept)

    def test_input_not_modified(self, lst: SuppressionList) -> None:
        """The input frame is equal before and after, and the result is not a view of it."""
        frame = _import()
        before = frame.copy(deep=True)
        result = lst.filter(frame)
        pd.testing.assert_frame_equal(before, frame)
        result.kept.iloc[0, 0] = "changed"
        pd.testing.assert_frame_equal(before, frame)

    def test_empty_frame(self, lst: SuppressionList) -> None:
        """An empty frame with an address column gives an empty result."""
        result = lst.filter(pd.DataFrame({"email": pd.Series([], dtype=object)}))
        assert 0 == result.report.total == len(result.kept)

    @pytest.mark.parametrize(
        "dtype",
        ["object", "string", "string[pyarrow]", "category", "str", pd.ArrowDtype(pa.string())],
    )
    def test_dtypes(self, lst: SuppressionList, dtype: object) -> None:
        """Every text dtype of the address column gives the same outcome."""
        frame = _import()
        frame["E-mailadres"] = frame["E-mailadres"].astype(dtype)  # type: ignore[call-overload]
        assert [11, 18] == list(lst.filter(frame).kept.index)

    def test_non_string_values(self, lst: SuppressionList) -> None:
        """Numbers, NaN and None in an object column are invalid rows, not crashes."""
        frame = pd.DataFrame({"email": [12, np.nan, None, True, 3.5, "ok@example.nl"]})
        result = lst.filter(frame)
        assert (1, 5) == (result.report.kept, result.report.invalid)
        assert 2 == result.report.missing

    @pytest.mark.parametrize(
        "column",
        [
            pd.Series([b"jan.devries@example.nl", b"x@example.nl"], dtype=object),
            pd.Series(["x@example.nl", b"jan.devries@example.nl"], dtype=object),
            pd.Series(
                pa.array([b"jan.devries@example.nl", b"x@example.nl"]),
                dtype=pd.ArrowDtype(pa.binary()),
            ),
            pd.Series(
                pa.array([b"jan.devries@example.nl"], type=pa.large_binary()),
                dtype=pd.ArrowDtype(pa.large_binary()),
            ),
        ],
    )
    @pytest.mark.parametrize("on_invalid", ["keep", "exclude"])
    def test_bytes_address_column_is_a_schema_error(
        self, lst: SuppressionList, column: pd.Series, on_invalid: str
    ) -> None:
        """Bytes (a Parquet binary column) are not text: refused, never kept as invalid."""
        with pytest.raises(SchemaError, match="bytes") as info:
            lst.filter(pd.DataFrame({"email": column}), on_invalid=on_invalid)
        assert "jan.devries" not in str(info.value)

    def test_parquet_binary_column_is_a_schema_error(
        self, lst: SuppressionList, tmp_path: Path
    ) -> None:
        """A Parquet file whose address column is binary, read back, is refused clearly."""
        table = pa.table({"email": pa.array([b"jan.devries@example.nl"])})
        pa.parquet.write_table(table, tmp_path / "f.parquet")
        for backend in ("numpy_nullable", "pyarrow"):
            frame = pd.read_parquet(tmp_path / "f.parquet", dtype_backend=backend)
            with pytest.raises(SchemaError, match="bytes"):
                lst.filter(frame, on_invalid="keep")

    def test_string_view_columns(self, lst: SuppressionList) -> None:
        """Arrow string_view columns filter or fail with a SchemaError, never pyarrow's error."""
        frame = _import()
        view = pd.ArrowDtype(pa.string_view())
        frame["E-mailadres"] = frame["E-mailadres"].astype(pd.ArrowDtype(pa.string())).astype(view)
        with pytest.raises(SchemaError, match=r"string_view.*astype") as info:
            lst.filter(frame)
        assert "E-mailadres" in str(info.value)


class TestColumns:
    """Finding the address column by name, or refusing clearly."""

    @pytest.mark.parametrize(
        "name",
        ["email", "E-mail", "EMAIL_ADDRESS", "E-mailadres", "emailadres", "Email Address", "mail"],
    )
    def test_found_by_name(self, lst: SuppressionList, name: str) -> None:
        """Common names are found case- and punctuation-insensitively."""
        frame = pd.DataFrame({"naam": ["x"], name: ["jan.devries@example.nl"]})
        assert (
            "jan.devries@example.nl" not in lst.filter(frame).kept.get(name, pd.Series()).tolist()
        )
        assert name == lst.filter(frame).report.column

    def test_none_found(self, lst: SuppressionList) -> None:
        """No address-like column: SchemaError listing the columns."""
        with pytest.raises(SchemaError, match="naam"):
            lst.filter(pd.DataFrame({"naam": ["x"], "adres": ["y"]}))

    def test_headerless_file_not_echoed(self, lst: SuppressionList) -> None:
        """Column labels that look like addresses (no header row) stay out of errors."""
        frame = pd.DataFrame(
            [["jan.devries@example.nl", "0123 AB"]], columns=["jan.devries@example.nl", "0123 AB"]
        )
        with pytest.raises(SchemaError, match="no header row") as info:
            lst.filter(frame)
        assert "jan.devries" not in str(info.value)
        with pytest.raises(SchemaError, match="no header row") as info:
            lst.filter(frame, column="x@y.nl")
        assert "x@y.nl" not in str(info.value)

    def test_several_found(self, lst: SuppressionList) -> None:
        """Two address-like columns: SchemaError asking to choose."""
        with pytest.raises(SchemaError, match="column="):
            lst.filter(pd.DataFrame({"email": ["a@b.nl"], "E-mail": ["c@d.nl"]}))

    @pytest.mark.parametrize("delimiter", [",", ";"])
    def test_repeated_address_header_is_refused(
        self, lst: SuppressionList, tmp_path: Path, delimiter: str
    ) -> None:
        """``email,email`` (the second read as ``email_2``) is refused: both must be checked."""
        path = tmp_path / "f.csv"
        path.write_text(
            f"email{delimiter}email\nnieuw@example.nl{delimiter}jan.devries@example.nl\n",
            encoding="utf-8",
        )
        frame = locosuppress.read_mailing_file(path)
        with pytest.raises(SchemaError, match="several columns look like address columns"):
            lst.filter(frame)
        assert 0 == lst.filter(frame, column="email_2").report.kept

    @pytest.mark.parametrize(
        "columns",
        [["email", "email_2"], ["email", "email.1"], ["E-mail 1", "E-mail 2"], ["mail", "Email3"]],
    )
    def test_renamed_address_columns_are_refused(
        self, lst: SuppressionList, columns: list[str]
    ) -> None:
        """Address-like names with a number after them count as address columns too."""
        frame = pd.DataFrame([["nieuw@example.nl", "jan.devries@example.nl"]], columns=columns)
        with pytest.raises(SchemaError, match="not checked"):
            lst.filter(frame)

    @pytest.mark.parametrize(
        "label", ["jan.devries@example.nl", "jan.devries＠example.nl", "jan.devries%40example.nl"]
    )
    def test_column_name_that_looks_like_an_address_is_refused(
        self, lst: SuppressionList, label: str
    ) -> None:
        """column= never takes an address for a name (a headerless file's first row)."""
        frame = pd.DataFrame([["piet@example.nl"]], columns=[label])
        with pytest.raises(SchemaError, match="no header row") as info:
            lst.filter(frame, column=label)
        assert "jan.devries" not in str(info.value)

    @pytest.mark.parametrize("at", ["@", "＠", "%40", "﹫"])
    def test_headerless_frame_says_so(self, lst: SuppressionList, tmp_path: Path, at: str) -> None:
        """A file read with its first address as the header: the error says header=False."""
        path = tmp_path / "f.csv"
        path.write_text(f"jan.devries{at}example.nl;K1\npiet@example.nl;K2\n", encoding="utf-8")
        with pytest.raises(SchemaError, match="no header row") as info:
            lst.filter(locosuppress.read_mailing_file(path))
        assert "header=False" in str(info.value)
        assert "jan.devries" not in str(info.value)

    def test_named_column(self, lst: SuppressionList) -> None:
        """column= picks the column; a missing one is a SchemaError."""
        frame = pd.DataFrame({"email": ["a@b.nl"], "werk": ["jan.devries@example.nl"]})
        assert 0 == lst.filter(frame, column="werk").report.kept
        with pytest.raises(SchemaError, match="is not a column"):
            lst.filter(frame, column="privé")

    def test_bad_options(self, lst: SuppressionList) -> None:
        """Unknown channel or on_invalid values are errors, not silently ignored."""
        with pytest.raises(ValueError, match="channel"):
            lst.filter(_import(), channel="sms")
        with pytest.raises(ValueError, match="on_invalid"):
            lst.filter(_import(), on_invalid="drop")
        with pytest.raises(TypeError, match="takes a pandas DataFrame, not list"):
            lst.filter(["a@b.nl"])  # type: ignore[arg-type]


class TestFailClosed:
    """Nothing is returned when the list cannot be trusted."""

    def test_closed_list(self, tmp_path: Path, key: SuppressionKey) -> None:
        """Filtering against a closed list raises a LocosuppressError."""
        opened = SuppressionList.open(tmp_path / "l.db", key)
        opened.close()
        with pytest.raises(locosuppress.LocosuppressError, match="is closed"):
            opened.filter(_import())

    def test_wrong_key(
        self, tmp_path: Path, key: SuppressionKey, other_key: SuppressionKey
    ) -> None:
        """A list cannot even be opened with another key."""
        SuppressionList.open(tmp_path / "l.db", key).close()
        with pytest.raises(locosuppress.KeyMismatchError, match="fingerprint"):
            SuppressionList.open(tmp_path / "l.db", other_key)


class TestAudit:
    """Each run is in the audit log, with counts only."""

    def test_audit_row(self, lst: SuppressionList) -> None:
        """A filter run adds one audit row with its counts and source."""
        frame = _import()
        frame.attrs["locosuppress"] = {"source": "campagne-2026.csv"}
        result = lst.filter(frame)
        assert result.report.audited
        audit = lst.audit()
        row = audit[audit["operation"] == "filter"].iloc[-1]
        assert "campagne-2026.csv" == row["source"]
        assert 9 == row["total"]
        text = audit.to_csv()
        assert "jan.devries" not in text.lower()

    def test_read_only_not_audited(self, tmp_path: Path, key: SuppressionKey) -> None:
        """A read-only list filters, writes nothing, and the report says so."""
        path = tmp_path / "l.db"
        with SuppressionList.open(path, key) as opened:
            opened.add("jan.devries@example.nl")
        with SuppressionList.open(path, key, read_only=True) as ro:
            result = ro.filter(_import())
            assert not result.report.audited
            assert "read-only" in str(result.report)
            assert 0 == len(ro.audit().query("operation == 'filter'"))


class TestReport:
    """The report renders for people and machines."""

    def test_renderings(self, lst: SuppressionList) -> None:
        """str, HTML and to_dict carry the counts and no address."""
        result = lst.filter(_import())
        text, html = str(result.report), result.report._repr_html_()
        assert "suppressed" in text
        assert "<table" in html
        assert 9 == result.report.to_dict()["total"]
        for shown in (text, html, repr(result)):
            assert "@" not in shown
        assert isinstance(result, FilterResult)

    def test_reports_add(self) -> None:
        """Reports of partitions sum field by field."""
        a = FilterReport(
            total=3,
            kept=1,
            suppressed=1,
            suppressed_by_scope={"all": 1},
            suppressed_by_entry={"address": 1},
            invalid=1,
            missing=0,
            invalid_excluded=True,
            duplicates=0,
            channel=None,
            column="email",
        )
        total = a + a
        assert (6, 2, 2) == (total.total, total.kept, total.suppressed)
        assert {"all": 2} == dict(total.suppressed_by_scope)


class TestAccessor:
    """df.locosuppress.filter is the same as lst.filter."""

    def test_accessor(self, lst: SuppressionList) -> None:
        """The accessor filters and normalises."""
        frame = _import()
        assert list(lst.filter(frame).kept.index) == list(frame.locosuppress.filter(lst).kept.index)
        assert "jan.devries@example.nl" == frame.locosuppress.normalize().iloc[0]


_FILTER_SETTINGS = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


#: Values a filter of the ``lst`` fixture must catch (every scope, the domain
#: entry), and repeats of two addresses it must keep (for duplicates).
LISTED = listed_values(
    [*SUPPRESSED_ALL, *SUPPRESSED_NEWS, *SUPPRESSED_POST], domains=[SUPPRESSED_DOMAIN]
)
REPEATED = listed_values(["nieuw@example.nl", "zoë@bücher.example"])
FRAMES = mailing_frames(values=st.one_of(address_values(), LISTED, REPEATED))


def _is_missing(value: object) -> bool:
    """The model of a missing cell: NA of any kind, or text that is only white space."""
    if isinstance(value, str):
        return not value.strip()
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and value != value)
    )


class TestProperties:
    """Invariants over generated mailing frames."""

    @_FILTER_SETTINGS
    @given(
        frame=FRAMES,
        channel=st.sampled_from([None, "newsletter", "post"]),
        on_invalid=st.sampled_from(["exclude", "keep"]),
        dedupe=st.booleans(),
    )
    def test_matches_model(
        self,
        lst: SuppressionList,
        frame: pd.DataFrame,
        channel: str | None,
        on_invalid: str,
        dedupe: bool,
    ) -> None:
        """Outcomes equal a row-by-row model, and the report adds up."""
        blocked = set(SUPPRESSED_ALL)
        if channel in (None, "newsletter"):
            blocked |= set(SUPPRESSED_NEWS)
        if channel in (None, "post"):
            blocked |= set(SUPPRESSED_POST)
        kept, seen = [], set()
        counts = {"invalid": 0, "missing": 0, "suppressed": 0, "duplicates": 0}
        for label, value in zip(frame.index, frame["email"].astype(object), strict=True):
            canon = _canon(value if isinstance(value, str) else None)
            if canon is None:
                counts["invalid"] += 1
                counts["missing"] += _is_missing(value)  # a blank cell is missing, not malformed
                if on_invalid == "keep":
                    kept.append(label)
            elif canon in blocked or canon.endswith("@" + SUPPRESSED_DOMAIN):
                counts["suppressed"] += 1
            elif dedupe and canon in seen:
                counts["duplicates"] += 1
            else:
                seen.add(canon)
                kept.append(label)
        result = lst.filter(frame, channel=channel, on_invalid=on_invalid, dedupe=dedupe)
        report = result.report
        assert kept == list(result.kept.index)
        assert counts == {
            "invalid": report.invalid,
            "missing": report.missing,
            "suppressed": report.suppressed,
            "duplicates": report.duplicates,
        }
        event(f"suppressed rows: {'some' if report.suppressed else 'none'}")
        event(f"duplicate rows: {'some' if report.duplicates else 'none'}")
        event(f"missing rows: {'some' if report.missing else 'none'}")
        removed_invalid = report.invalid if on_invalid == "exclude" else 0
        assert report.total == report.kept + report.suppressed + removed_invalid + report.duplicates
        assert sum(report.suppressed_by_scope.values()) == report.suppressed
        assert sum(report.suppressed_by_entry.values()) == report.suppressed

    @_FILTER_SETTINGS
    @given(data=st.data())
    def test_every_spelling_removed(
        self, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
    ) -> None:
        """Every messy spelling of a suppressed address is removed."""
        key = SuppressionKey(bytes(range(32)))
        people = data.draw(st.lists(emails(), min_size=1, max_size=5))
        spellings = [data.draw(messy_variants(p)) for p in people for _ in range(3)]
        path = tmp_path_factory.mktemp("spell") / "l.db"
        with SuppressionList.open(path, key) as opened:
            opened.add_many(people)
            result = opened.filter(pd.DataFrame({"email": spellings}))
        assert 0 == result.report.kept
        assert len(spellings) == result.report.suppressed


class TestRejected:
    """The removed rows come back with their outcome, and with ``kept`` they are the input."""

    def test_removed_rows_with_outcomes(self, lst: SuppressionList) -> None:
        """Suppressed, excluded invalid and duplicate rows, in input order, with their outcome."""
        result = lst.filter(_import())
        assert [10, 12, 13, 14, 15, 16, 17] == list(result.rejected.index)
        expected = [
            "suppressed",
            "suppressed",
            "suppressed",
            "invalid",
            "invalid",
            "duplicate",
            "suppressed",
        ]
        assert expected == list(result.rejected_outcomes)
        assert list(_import().columns) == list(result.rejected.columns)
        assert list(result.rejected.index) == list(result.rejected_outcomes.index)

    def test_kept_invalid_rows_are_not_rejected(self, lst: SuppressionList) -> None:
        """With on_invalid='keep' the invalid rows are kept, so they are not in ``rejected``."""
        result = lst.filter(_import(), on_invalid="keep")
        assert [10, 12, 13, 16, 17] == list(result.rejected.index)
        assert "invalid" not in set(result.rejected_outcomes)

    def test_rejected_rows_adds_the_outcome_column_last(self, lst: SuppressionList) -> None:
        """rejected_rows() is a new frame: the input's columns, then the outcome; attrs kept."""
        frame = _import()
        frame.attrs["locosuppress"] = {"format": "csv", "source": "import.csv"}
        result = lst.filter(frame)
        rows = result.rejected_rows()
        assert [*frame.columns, "outcome"] == list(rows.columns)
        assert list(result.rejected_outcomes) == list(rows["outcome"])
        assert frame.attrs == rows.attrs
        assert "outcome" not in result.rejected.columns
        assert ["reden"] == list(result.rejected_rows(column="reden").columns[-1:])

    def test_outcome_column_that_exists_is_refused(self, lst: SuppressionList) -> None:
        """An input column named 'outcome' is not overwritten: SchemaError, use column=."""
        frame = _import().assign(outcome="x")
        result = lst.filter(frame)
        with pytest.raises(SchemaError, match=r"already has a column named 'outcome'.*column="):
            result.rejected_rows()

    def test_non_unique_index_is_kept_by_position(self, lst: SuppressionList) -> None:
        """Repeated index labels: the outcomes line up by position, not by label."""
        frame = pd.DataFrame(
            {"email": ["jan.devries@example.nl", "geen", "nieuw@example.nl", "nieuw@example.nl"]},
            index=[7, 7, 7, 7],
        )
        rows = lst.filter(frame).rejected_rows()
        assert ["suppressed", "invalid", "duplicate"] == list(rows["outcome"])
        assert ["jan.devries@example.nl", "geen", "nieuw@example.nl"] == list(rows["email"])

    @_FILTER_SETTINGS
    @given(
        frame=FRAMES,
        channel=st.sampled_from([None, "newsletter", "post"]),
        on_invalid=st.sampled_from(["exclude", "keep"]),
        dedupe=st.booleans(),
    )
    def test_kept_and_rejected_are_the_input(
        self,
        lst: SuppressionList,
        frame: pd.DataFrame,
        channel: str | None,
        on_invalid: str,
        dedupe: bool,
    ) -> None:
        """Every input row is in kept or rejected exactly once; the outcomes match the report."""
        result = lst.filter(frame, channel=channel, on_invalid=on_invalid, dedupe=dedupe)
        kept = list(result.kept["klantnummer"])
        rejected = list(result.rejected["klantnummer"])
        assert list(range(len(frame))) == sorted(kept + rejected)
        assert sorted(kept) == kept
        assert sorted(rejected) == rejected
        report = result.report
        words = list(result.rejected_outcomes)
        removed_invalid = report.invalid if on_invalid == "exclude" else 0
        expected = {
            "suppressed": report.suppressed,
            "invalid": removed_invalid,
            "duplicate": report.duplicates,
        }
        assert expected == {word: words.count(word) for word in expected}
        assert report.total - report.kept == len(result.rejected_rows())


class TestLargeList:
    """The index is exact on a list of many entries."""

    def test_many_entries(self, tmp_path: Path, key: SuppressionKey) -> None:
        """With 20,000 entries, exactly the added addresses are suppressed."""
        added = [f"persoon{i}@example.nl" for i in range(20_000)]
        other = [f"ander{i}@example.nl" for i in range(5_000)]
        with SuppressionList.open(tmp_path / "l.db", key) as opened:
            opened.add_many(added)
            frame = pd.DataFrame({"email": added[::7] + other})
            result = opened.filter(frame)
        assert len(other) == result.report.kept
        assert len(added[::7]) == result.report.suppressed
        assert os.path.exists(tmp_path / "l.db")


class TestDuplicatedExact:
    """De-duplication never merges two people whose hashes share a prefix."""

    def test_prefix_collision_falls_back_to_canonical_forms(self) -> None:
        """Equal first 8 bytes, different rest: only the true repeat is a duplicate."""
        prefix = b"\x07" * 8
        rows = [prefix + b"\x01" * 24, prefix + b"\x02" * 24, prefix + b"\x01" * 24]
        digests = np.frombuffer(b"".join(rows), dtype=np.uint8).reshape(3, 32)
        canonical = pa.array(["a@example.nl", "b@example.nl", "a@example.nl"])
        assert [False, False, True] == duplicated_digests(digests, canonical, np.arange(3)).tolist()


SCOPE_NAMES = ("all", "newsletter", "post")


@st.composite
def _listed_list(draw: st.DrawFn) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Any small list: addresses and domains, each with a scope."""
    people = draw(st.lists(emails(), min_size=1, max_size=5, unique=True))
    own_domains = sorted({p.rsplit("@", 1)[1] for p in people})
    domains = draw(
        st.lists(st.sampled_from([*own_domains, "spamtrap.example"]), max_size=2, unique=True)
    )
    scope = st.sampled_from(SCOPE_NAMES)
    return (
        [(p, draw(scope)) for p in people],
        [(d, draw(scope)) for d in domains],
    )


def _open_list(
    folder: Path, entries: tuple[list[tuple[str, str]], list[tuple[str, str]]]
) -> SuppressionList:
    """A new list in ``folder`` holding ``entries``."""
    opened = SuppressionList.open(folder / "l.db", SuppressionKey(bytes(range(32))))
    people, domains = entries
    for person, scope in people:
        opened.add(person, scope=scope)
    for domain, scope in domains:
        opened.add_domain(domain, scope=scope)
    return opened


def _suppressed(lst: SuppressionList, value: object, channel: str | None) -> bool:
    """The scalar oracle: the list's own lookup (SQL, scalar rules), not the filter's index."""
    return (
        isinstance(value, str)
        and _canon(value) is not None
        and lst.is_suppressed(value, channel=channel)
    )


class TestNeverKept:
    """What must hold: no suppressed row is ever kept, whatever the options and the file."""

    @_FILTER_SETTINGS
    @given(
        data=st.data(),
        entries=_listed_list(),
        channel=st.sampled_from([None, "newsletter", "post"]),
        on_invalid=st.sampled_from(["exclude", "keep"]),
        dedupe=st.booleans(),
    )
    def test_frame(
        self,
        tmp_path_factory: pytest.TempPathFactory,
        data: st.DataObject,
        entries: tuple[list[tuple[str, str]], list[tuple[str, str]]],
        channel: str | None,
        on_invalid: str,
        dedupe: bool,
    ) -> None:
        """Any list, any frame of testing strategies, any options: no kept row is suppressed."""
        people, domains = entries
        values = listed_values([p for p, _ in people], domains=[d for d, _ in domains])
        frame = data.draw(mailing_frames(values=st.one_of(address_values(), values)))
        with _open_list(tmp_path_factory.mktemp("never"), entries) as lst:
            result = lst.filter(frame, channel=channel, on_invalid=on_invalid, dedupe=dedupe)
            leaked = [v for v in result.kept["email"] if _suppressed(lst, v, channel)]
            blocked = sum(_suppressed(lst, v, channel) for v in frame["email"])
        assert [] == leaked
        assert blocked == result.report.suppressed
        event(f"suppressed rows: {'some' if blocked else 'none'}")

    @_FILTER_SETTINGS
    @given(
        data=st.data(),
        entries=_listed_list(),
        encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
        channel=st.sampled_from([None, "newsletter", "post"]),
        on_invalid=st.sampled_from(["exclude", "keep"]),
        dedupe=st.booleans(),
    )
    def test_through_a_file(
        self,
        tmp_path_factory: pytest.TempPathFactory,
        data: st.DataObject,
        entries: tuple[list[tuple[str, str]], list[tuple[str, str]]],
        encoding: str,
        channel: str | None,
        on_invalid: str,
        dedupe: bool,
    ) -> None:
        """Written in each encoding the reader accepts and read back: no suppressed row kept.

        Each row is judged by the value *written*, so a value the reader
        decoded wrongly (mojibake) and then kept counts as a leak.
        """
        people, domains = entries
        values = listed_values([p for p, _ in people], domains=[d for d, _ in domains])
        frame = data.draw(mailing_frames(values=st.one_of(address_values(), values)))
        cells = [v if isinstance(v, str) else "" for v in frame["email"].astype(object)]
        written = [v for v in cells if _writable(v, encoding)]
        folder = tmp_path_factory.mktemp("file")
        path = folder / "mailing.csv"
        table = pd.DataFrame({"klant": [str(i) for i in range(len(written))], "email": written})
        # CRLF, as Excel writes: Python's csv module then quotes a field holding "\r".
        table.to_csv(path, index=False, encoding=encoding, lineterminator="\r\n")
        with _open_list(folder, entries) as lst:
            try:
                read = locosuppress.read_mailing_file(path)
            except locosuppress.MailingFileError:
                event("refused by the reader")  # fail closed: nothing to mail
                return
            result = lst.filter(read, channel=channel, on_invalid=on_invalid, dedupe=dedupe)
            leaked = [
                int(k) for k in result.kept["klant"] if _suppressed(lst, written[int(k)], channel)
            ]
            blocked = sum(_suppressed(lst, v, channel) for v in written)
        assert [] == leaked
        assert len(written) == len(read)
        event(f"suppressed rows: {'some' if blocked else 'none'}")


def _writable(value: str, encoding: str) -> bool:
    """Whether a CSV field can be written in ``encoding`` (NUL: the reader refuses the file)."""
    if "\x00" in value:
        return False
    try:
        value.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True

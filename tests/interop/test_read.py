"""read_suppressions: every provider's layout, as files and frames, into our reasons and dates."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from locosuppress import MailingFileError, SchemaError, read_suppressions
from locosuppress.errors import InvalidOptionError
from locosuppress.testing import ProviderExport, mailchimp_zip, provider_exports

_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def expected_frame(export: ProviderExport) -> tuple[list[str], list[str | None], list[object]]:
    """The addresses, reasons and dates the suppressions of ``export`` must give."""
    rows = [
        (r[_address_key(export.format)], why, when)
        for r, why, when in zip(export.records, export.reasons, export.dates, strict=True)
        if why is not None
    ]
    return (
        [a for a, _, _ in rows],
        [w for _, w, _ in rows],
        [pd.Timestamp(d) for _, _, d in rows],
    )


def _address_key(fmt: str) -> str:
    return {"mailchimp": "Email Address", "ses": "EmailAddress", "mailgun": "address"}.get(
        fmt, "email"
    )


def check(export: ProviderExport, got: object) -> None:
    """``got`` (a SuppressionExport) holds exactly the expected suppressions."""
    emails, reasons, dates = expected_frame(export)
    frame = got.frame  # type: ignore[attr-defined]
    assert export.format == got.format  # type: ignore[attr-defined]
    assert emails == frame["email"].tolist()
    assert reasons == frame["reason"].tolist()
    assert dates == frame["suppressed_at"].tolist()
    assert len(export.records) == got.report.rows  # type: ignore[attr-defined]


class TestLayouts:
    """Each provider's documented layout is recognised and mapped."""

    @_SETTINGS
    @given(export=provider_exports())
    def test_frames(self, export: ProviderExport) -> None:
        """A frame in any layout gives exactly its suppressions, reasons and dates."""
        check(export, read_suppressions(export.frame()))

    @_SETTINGS
    @given(export=provider_exports(), kind=st.sampled_from(["csv", "json", "jsonl"]))
    def test_files(
        self, tmp_path_factory: pytest.TempPathFactory, export: ProviderExport, kind: str
    ) -> None:
        """The same export as CSV, JSON or JSON Lines (whatever the suffix) reads the same."""
        if export.format == "mailchimp" and kind != "csv":
            kind = "csv"  # Mailchimp exports CSV only
        path = tmp_path_factory.mktemp("x") / "export.txt"
        data = export.csv_bytes() if kind == "csv" else export.json_bytes(lines=kind == "jsonl")
        path.write_bytes(data)
        check(export, read_suppressions(path))

    @_SETTINGS
    @given(export=provider_exports())
    def test_named_format(self, export: ProviderExport) -> None:
        """Naming the format gives the same result as detecting it."""
        check(export, read_suppressions(export.frame(), format=export.format))


class TestMessyFiles:
    """Real files: cp1252, Dutch accents, messy addresses, TSV, Excel."""

    def test_cp1252_semicolon(self, tmp_path: Path) -> None:
        """A SendGrid CSV that Excel saved as cp1252 with ';' is read, names intact."""
        path = tmp_path / "bounces.csv"
        path.write_bytes(
            "email;created;reason;status\r\n"
            "José <JOSÉ@Café.nl>;1700000000;550 unknown;5.1.1\r\n"
            " Jan+nieuws@Example.NL ;1700000001;550 unknown;5.1.1\r\n".encode("cp1252")
        )
        got = read_suppressions(path)
        assert ["José <JOSÉ@Café.nl>", " Jan+nieuws@Example.NL "] == got.frame["email"].tolist()
        assert "bounces.csv" == got.report.source

    def test_tsv(self, tmp_path: Path) -> None:
        """A tab-separated SES export is read."""
        path = tmp_path / "ses.tsv"
        path.write_text(
            "EmailAddress\tReason\tLastUpdateTime\nanna@example.nl\tCOMPLAINT\t2023-04-01T10:00:00Z\n"
        )
        assert ["complaint"] == read_suppressions(path).frame["reason"].tolist()

    def test_xlsx(self, tmp_path: Path) -> None:
        """A listmonk export saved as .xlsx is read."""
        path = tmp_path / "listmonk.xlsx"
        pd.DataFrame(
            {
                "uuid": ["u1", "u2"],
                "email": ["a@example.nl", "b@example.nl"],
                "name": ["A", "B"],
                "attributes": ["{}", "{}"],
                "status": ["blocklisted", "enabled"],
                "created_at": ["2020-01-01 10:00:00+00:00"] * 2,
                "updated_at": ["2021-06-01 10:00:00+00:00"] * 2,
            }
        ).to_excel(path, index=False)
        got = read_suppressions(path)
        assert ["a@example.nl"] == got.frame["email"].tolist()
        assert {"enabled": 1} == dict(got.report.not_suppressed)

    def test_mailchimp_zip(self, tmp_path: Path) -> None:
        """Mailchimp's audience zip: subscribed rows counted, the others suppressed."""
        exports = [
            ProviderExport(
                format="mailchimp",
                kind=kind,
                records=(
                    {
                        "Email Address": f"{kind}@example.nl",
                        "MEMBER_RATING": "2",
                        "OPTIN_TIME": "",
                        **extra,
                    },
                ),
                reasons=(why,),
                dates=(None,),
            )
            for kind, extra, why in (
                ("subscribed", {}, None),
                (
                    "unsubscribed",
                    {
                        "UNSUB_TIME": "2022-02-03 04:05:06",
                        "UNSUB_REASON": "The emails are spam and should be reported",
                    },
                    "complaint",
                ),
                ("cleaned", {"CLEAN_TIME": "2021-01-02 03:04:05"}, "bounce"),
            )
        ]
        path = tmp_path / "audience.zip"
        path.write_bytes(mailchimp_zip(exports))
        got = read_suppressions(path)
        assert ["complaint", "bounce"] == got.frame["reason"].tolist()
        assert [
            pd.Timestamp("2022-02-03 04:05:06", tz="UTC"),
            pd.Timestamp("2021-01-02 03:04:05", tz="UTC"),
        ] == got.frame["suppressed_at"].tolist()
        assert {"subscribed": 1} == dict(got.report.not_suppressed)
        assert 3 == len(got.report.parts)


class TestOptions:
    """include_soft, reason_map, generic columns."""

    frame = pd.DataFrame(
        {
            "email": ["a@example.nl", "b@example.nl"],
            "created": ["1700000000", "1700000100"],
            "reason": ["x", "y"],
            "status": ["5.1.1", "4.0.0"],
        }
    )

    def test_soft_not_suppressed_by_default(self) -> None:
        """A 4.x.x SendGrid row is a block: reported, not a suppression."""
        got = read_suppressions(self.frame)
        assert ["a@example.nl"] == got.frame["email"].tolist()
        assert 1 == got.report.soft
        assert {"block": 1} == dict(got.report.not_suppressed)

    def test_include_soft(self) -> None:
        """include_soft=True makes blocks bounces, still counted as soft."""
        got = read_suppressions(self.frame, include_soft=True)
        assert ["bounce", "bounce"] == got.frame["reason"].tolist()
        assert 1 == got.report.soft

    def test_reason_map_overrides(self) -> None:
        """reason_map replaces the table's entry (case-insensitive) and can skip rows."""
        got = read_suppressions(self.frame, reason_map={"BLOCK": "manual", "bounce": None})
        assert ["manual"] == got.frame["reason"].tolist()

    def test_generic(self) -> None:
        """generic: address column by name, reason column mapped, ISO dates."""
        frame = pd.DataFrame(
            {
                "E-mailadres": ["a@example.nl", "b@example.nl", "c@example.nl"],
                "Waarom": ["spam", "Afgemeld", "hard bounce"],
                "Datum": ["2020-01-31", "2021-02-01T10:00:00+01:00", ""],
            }
        )
        got = read_suppressions(
            frame,
            format="generic",
            reason_column="Waarom",
            reason_map={"afgemeld": "unsubscribed"},
            date_column="Datum",
        )
        assert ["complaint", "unsubscribed", "bounce"] == got.frame["reason"].tolist()
        assert [
            pd.Timestamp("2020-01-31", tz="UTC"),
            pd.Timestamp("2021-02-01T09:00:00", tz="UTC"),
            pd.NaT,
        ] == got.frame["suppressed_at"].tolist()

    def test_generic_without_reasons(self) -> None:
        """generic without a reason column: every row an 'import' suppression, no date."""
        got = read_suppressions(pd.DataFrame({"email": ["a@example.nl"]}), format="generic")
        assert ["import"] == got.frame["reason"].tolist()
        assert got.frame["suppressed_at"].isna().all()


class TestErrors:
    """Unknown, ambiguous and mixed layouts, bad dates, unknown words: clear errors."""

    def test_unknown_layout_lists_resemblance(self) -> None:
        """An unknown layout names the formats it resembles."""
        frame = pd.DataFrame({"address": ["a@example.nl"], "when": ["x"]})
        with pytest.raises(SchemaError, match=r"unknown layout.*resembles mailgun"):
            read_suppressions(frame)

    def test_wrong_named_format(self) -> None:
        """A SendGrid frame read as SES says what SES expects."""
        frame = pd.DataFrame({"email": ["a@example.nl"], "created": ["1700000000"]})
        with pytest.raises(SchemaError, match="is not a ses export: expected the columns"):
            read_suppressions(frame, format="ses")

    def test_ambiguous(self) -> None:
        """Columns that fit two layouts are ambiguous, never a guess."""
        frame = pd.DataFrame(
            columns=["EmailAddress", "Reason", "LastUpdateTime", "MEMBER_RATING", "LEID"]
        )
        with pytest.raises(SchemaError, match="ambiguous layout: the columns fit mailchimp, ses"):
            read_suppressions(frame)

    def test_mixed_json_lines(self, tmp_path: Path) -> None:
        """JSON Lines mixing SendGrid bounces and spam reports is a mixed-layout error."""
        path = tmp_path / "mixed.json"
        path.write_text(
            json.dumps({"email": "a@example.nl", "created": 1, "reason": "r", "status": "5.0.0"})
            + "\n"
            + json.dumps({"email": "b@example.nl", "created": 1, "ip": "10.0.0.1"})
            + "\n"
        )
        with pytest.raises(SchemaError, match="mixed layouts"):
            read_suppressions(path)

    def test_mixed_mailchimp_columns(self) -> None:
        """A Mailchimp table with UNSUB_TIME and CLEAN_TIME is mixed."""
        frame = pd.DataFrame(
            columns=["Email Address", "MEMBER_RATING", "LEID", "UNSUB_TIME", "CLEAN_TIME"]
        )
        with pytest.raises(SchemaError, match="mixed layouts"):
            read_suppressions(frame)

    def test_unreadable_date(self) -> None:
        """A date that is not a date is an error with its position, never a guess."""
        frame = pd.DataFrame(
            {
                "EmailAddress": ["a@example.nl", "b@example.nl"],
                "Reason": ["BOUNCE", "BOUNCE"],
                "LastUpdateTime": ["2020-01-01T00:00:00Z", "31/02/2020"],
            }
        )
        with pytest.raises(SchemaError, match=r"row positions 1 \(0-based\)"):
            read_suppressions(frame)

    def test_epoch_not_guessed_in_iso_layouts(self) -> None:
        """Unix seconds in Brevo's blockedAt (documented ISO) are refused."""
        frame = pd.DataFrame(
            {"email": ["a@example.nl"], "reason": ["hardBounce"], "blockedAt": ["1700000000"]}
        )
        with pytest.raises(SchemaError, match="ISO 8601"):
            read_suppressions(frame)

    def test_unknown_word(self) -> None:
        """A status the table does not know is an error that names reason_map."""
        frame = pd.DataFrame(
            {
                "EmailAddress": ["a@example.nl"],
                "Reason": ["OTHER"],
                "LastUpdateTime": ["2020-01-01T00:00:00Z"],
            }
        )
        with pytest.raises(SchemaError, match="reason_map"):
            read_suppressions(frame)

    def test_error_never_shows_an_address(self) -> None:
        """Column labels that look like addresses are counted, not shown."""
        frame = pd.DataFrame({"jan@example.nl": ["x"]})
        with pytest.raises(SchemaError, match="1 columns") as caught:
            read_suppressions(frame)
        assert "@" not in str(caught.value)

    def test_bad_options(self) -> None:
        """Unknown formats and reasons are refused before reading."""
        with pytest.raises(InvalidOptionError, match="unknown format"):
            read_suppressions(pd.DataFrame(), format="hotmail")
        with pytest.raises(InvalidOptionError, match="unknown reason"):
            read_suppressions(pd.DataFrame(), reason_map={"x": "gone"})
        with pytest.raises(InvalidOptionError, match="reason_column= applies"):
            read_suppressions(pd.DataFrame(), reason_column="x")

    def test_invalid_json(self, tmp_path: Path) -> None:
        """Broken JSON gives its line and column."""
        path = tmp_path / "x.json"
        path.write_text('[{"email": "a@example.nl",}]')
        with pytest.raises(MailingFileError, match="not valid JSON"):
            read_suppressions(path)

    def test_zip_without_mailchimp_files(self, tmp_path: Path) -> None:
        """A zip without Mailchimp's member files is refused."""
        import zipfile

        path = tmp_path / "x.zip"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("other.csv", "email\n")
        with pytest.raises(SchemaError, match="members_export"):
            read_suppressions(path)


def test_dates_are_utc() -> None:
    """Mailgun's RFC 2822 dates come back in UTC."""
    frame = pd.DataFrame(
        {
            "address": ["a@example.nl"],
            "code": ["550"],
            "error": ["x"],
            "created_at": ["Fri, 21 Oct 2011 13:02:55 +0200"],
        }
    )
    got = read_suppressions(frame).frame["suppressed_at"].iloc[0]
    assert pd.Timestamp(datetime(2011, 10, 21, 11, 2, 55, tzinfo=UTC)) == got

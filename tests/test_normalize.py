"""Normalisation rules v1: the first half of the hash contract."""

from __future__ import annotations

import json
import math
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given
from hypothesis import strategies as st

import locosuppress
from locosuppress import InvalidDomainError, InvalidEmailError, normalize_domain, normalize_email
from locosuppress.normalize import (
    _LATIN_LOWER,
    _LATIN_UPPER,
    _SPACE_OR_CONTROL,
    _WHITESPACE,
    normalize_emails,
)
from locosuppress.testing import emails, invalid_emails, messy_variants


def _scalar(value: object) -> str | None:
    try:
        return normalize_email(value)
    except InvalidEmailError:
        return None


def _as_list(series: pd.Series) -> list[str | None]:
    return [None if v is pd.NA else v for v in series.tolist()]


VALID = [
    ("jan@example.nl", "jan@example.nl"),
    ("Jan@Example.NL", "jan@example.nl"),
    ("  jan@example.nl\t\n", "jan@example.nl"),
    ("\u00a0\u3000jan@example.nl\u2003", "jan@example.nl"),
    ("\u200b\ufeffjan@example.nl\u200d\u2060\u200c", "jan@example.nl"),
    ('"jan@example.nl"', "jan@example.nl"),
    ("'jan@example.nl'", "jan@example.nl"),
    ('" jan@example.nl "', "jan@example.nl"),
    ("Jan de Vries <jan@example.nl>", "jan@example.nl"),
    ('"de Vries, Jan" <Jan@Example.nl>', "jan@example.nl"),
    ("<jan@example.nl>", "jan@example.nl"),
    ("< jan@example.nl >", "jan@example.nl"),
    ("mailto:jan@example.nl", "jan@example.nl"),
    ("MAILTO:Jan@Example.nl?subject=Hallo&body=x", "jan@example.nl"),
    ("Jan <mailto:jan@example.nl?subject=x>", "jan@example.nl"),
    ('"Jan <mailto:jan@example.nl>"', "jan@example.nl"),
    ("a?b@example.nl", "a?b@example.nl"),
    ("mailto:a?b@example.nl?x=1", "a?b@example.nl"),
    ("jan+nieuwsbrief@example.nl", "jan@example.nl"),
    ("jan+a+b@example.nl", "jan@example.nl"),
    ("jan+@example.nl", "jan@example.nl"),
    ("jan.de.vries+x.y@example.nl", "jan.de.vries@example.nl"),
    ("John.Doe@gmail.com", "johndoe@gmail.com"),
    ("j.o.h.n.d.o.e+spam@googlemail.com", "johndoe@gmail.com"),
    ("john.doe@GMAIL.COM.", "johndoe@gmail.com"),
    ("john.doe@gmail.co.uk", "john.doe@gmail.co.uk"),
    ("jan@example.nl.", "jan@example.nl"),
    ("jan@bücher.de", "jan@xn--bcher-kva.de"),
    ("jan@BÜCHER.DE", "jan@xn--bcher-kva.de"),
    ("jan@xn--bcher-kva.de", "jan@xn--bcher-kva.de"),
    ("jan@XN--BCHER-KVA.DE", "jan@xn--bcher-kva.de"),
    ("jan@bu\u0308cher.de", "jan@xn--bcher-kva.de"),
    ("jan@ab--cd.example.com", "jan@ab--cd.example.com"),
    ("ZOË@example.nl", "zoë@example.nl"),
    ("zoe\u0308@example.nl", "zoë@example.nl"),
    ("Ĳsbrand@example.nl", "ĳsbrand@example.nl"),
    ("ΟΔΥΣΣΕΥΣ@example.gr", "οδυσσευς@example.gr"),
    ("用户@例子.广告", "用户@xn--fsqu00a.xn--4rr70v"),
    ("o'brien@example.ie", "o'brien@example.ie"),
    ("!#$%&'*-/=?^_`{|}~@example.nl", "!#$%&'*-/=?^_`{|}~@example.nl"),
    ("a@b.co", "a@b.co"),
    ("a@1.2.3.nl", "a@1.2.3.nl"),
    ("x" * 64 + "@example.nl", "x" * 64 + "@example.nl"),
    ("x" * 64 + "+tag@example.nl", "x" * 64 + "@example.nl"),
]

INVALID = [
    (None, "1-type"),
    (math.nan, "1-type"),
    (pd.NA, "1-type"),
    (42, "1-type"),
    (b"jan@example.nl", "1-type"),
    ("", "5-one-at"),
    ("   ", "5-one-at"),
    ("jan", "5-one-at"),
    ("jan@@example.nl", "5-one-at"),
    ("a@b@example.nl", "5-one-at"),
    ("@example.nl", "5-parts"),
    ("jan@", "5-parts"),
    ("jan de vries@example.nl", "5-space"),
    ("jan@exam ple.nl", "5-space"),
    ("jan\x00@example.nl", "5-space"),
    ("jan\u0085x@example.nl", "5-space"),
    ('"jan de vries"@example.nl', "5-space"),
    ('"jan"@example.nl', "5-quoted"),
    ("jan(comment)@example.nl", "5-comment"),
    ("jan@example", "6-labels"),
    ("jan@.example.nl", "6-labels"),
    ("jan@example..nl", "6-labels"),
    ("jan@-example.nl", "6-labels"),
    ("jan@example-.nl", "6-labels"),
    ("jan@exa_mple.nl", "6-labels"),
    ("jan@" + "a" * 64 + ".nl", "6-labels"),
    ("jan@" + ".".join(["a" * 63] * 4) + ".nl", "6-length"),
    ("jan@1.2.3.4", "6-tld"),
    ("jan@[127.0.0.1]", "6-ip-literal"),
    ("jan@xn--zz.nl", "6-idna"),
    ("jan@ex\u00e4mple\u2764.nl", "6-idna"),
    ("jan@example.nl..", "6-labels"),
    (".jan@example.nl", "7-dot-atom"),
    ("jan.@example.nl", "7-dot-atom"),
    ("jan..vries@example.nl", "7-dot-atom"),
    ("jan\u2764@example.nl", "7-dot-atom"),
    ("jan,vries@example.nl", "7-dot-atom"),
    ("john.+x@example.com", "7-tag"),
    ("+x@example.com", "7-tag"),
    ("x" * 65 + "@example.nl", "7-length"),
    ("é" * 33 + "@example.nl", "7-length"),
    ("jan@example.nl>", "3-wrapper"),
]


class TestNormalizeEmailTable:
    """Edge cases of every rule, as a table (the contract in examples)."""

    @pytest.mark.parametrize(("value", "expected"), VALID)
    def test_valid(self, value: str, expected: str) -> None:
        """Each messy spelling gives its documented canonical form."""
        assert expected == normalize_email(value)

    @pytest.mark.parametrize(("value", "rule"), INVALID)
    def test_invalid(self, value: object, rule: str) -> None:
        """Each invalid value raises InvalidEmailError naming the failed rule."""
        with pytest.raises(InvalidEmailError, match=f"rule {rule}") as info:
            normalize_email(value)
        assert rule == info.value.rule
        assert f"rule {rule}" in str(info.value)

    def test_error_is_value_error(self) -> None:
        """InvalidEmailError is both a LocosuppressError and a ValueError."""
        assert issubclass(InvalidEmailError, locosuppress.LocosuppressError)
        assert issubclass(InvalidEmailError, ValueError)

    def test_message_does_not_echo_address(self) -> None:
        """Error messages point at the rule, never repeat the whole address."""
        with pytest.raises(InvalidEmailError, match="rule 5-space") as info:
            normalize_email("geheim.persoon@exam ple.nl")
        assert "geheim.persoon" not in str(info.value)

    def test_whitespace_table_matches_isspace(self) -> None:
        """The rule-2 whitespace set is exactly str.isspace() over all of Unicode."""
        expected = {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}
        assert expected == set(_WHITESPACE)

    def test_space_regex_matches_isspace_and_cc(self) -> None:
        """The rule-5 regex matches exactly isspace() or category Cc."""
        for code in range(sys.maxunicode + 1):
            char = chr(code)
            expected = char.isspace() or unicodedata.category(char) == "Cc"
            assert expected == bool(_SPACE_OR_CONTROL.match(char)), hex(code)

    def test_version(self) -> None:
        """The rule set in force is named v1."""
        assert "v1" == locosuppress.NORMALIZATION_VERSION


class TestNormalizeDomain:
    """Rule 6 on its own, for domain entries."""

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("example.nl", "example.nl"),
            (" @Example.NL. ", "example.nl"),
            ("Bücher.DE", "xn--bcher-kva.de"),
            ("xn--bcher-kva.de", "xn--bcher-kva.de"),
            ("ab--cd.nl", "ab--cd.nl"),
        ],
    )
    def test_valid(self, value: str, expected: str) -> None:
        """Domains normalise as the domain half of an address does."""
        assert expected == normalize_domain(value)

    @pytest.mark.parametrize(
        "value", ["", "nl", "a@b.nl", "exa mple.nl", "1.2.3.4", None, "xn--zz.nl"]
    )
    def test_invalid(self, value: object) -> None:
        """Non-domains raise InvalidDomainError."""
        with pytest.raises(InvalidDomainError, match="not a valid domain"):
            normalize_domain(value)

    @given(emails())
    def test_agrees_with_email_domain(self, address: str) -> None:
        """The domain of a canonical address is the canonical domain."""
        canonical = normalize_email(address)
        domain = address.rsplit("@", 1)[1]
        expected = canonical.rsplit("@", 1)[1]
        assert expected == normalize_domain(domain).replace("googlemail.com", "gmail.com")


class TestProperties:
    """Invariants of v1 over generated input."""

    @given(emails())
    def test_idempotent_on_addresses(self, address: str) -> None:
        """normalize_email(normalize_email(x)) == normalize_email(x)."""
        once = normalize_email(address)
        assert once == normalize_email(once)

    @given(st.text())
    def test_idempotent_or_invalid_on_any_text(self, value: str) -> None:
        """Arbitrary text is either invalid or normalises to a fixpoint."""
        try:
            once = normalize_email(value)
        except InvalidEmailError:
            return
        assert once == normalize_email(once)

    @given(st.one_of(st.text(), st.binary(), st.integers(), st.floats(), st.none()))
    def test_only_invalid_email_error(self, value: object) -> None:
        """For any value the only exception ever raised is InvalidEmailError."""
        try:
            result = normalize_email(value)
        except InvalidEmailError:
            return
        assert isinstance(result, str)

    @given(emails().flatmap(lambda e: st.tuples(st.just(e), messy_variants(e))))
    def test_messy_variants_collapse(self, pair: tuple[str, str]) -> None:
        """Every messy spelling of an address maps to the same canonical form."""
        address, variant = pair
        assert normalize_email(address) == normalize_email(variant)

    @given(emails())
    def test_canonical_is_lower_nfc(self, address: str) -> None:
        """The canonical form is lower-case (str.lower) and NFC."""
        canonical = normalize_email(address)
        assert canonical == unicodedata.normalize("NFC", canonical)
        assert canonical == canonical.lower()
        assert "+" not in canonical.split("@")[0]


_MIXED = st.lists(
    st.one_of(
        emails(),
        emails().flatmap(messy_variants),
        invalid_emails(),
        st.text(max_size=30),
        st.from_regex(r"\A\s*[a-zA-Z0-9.+_-]{0,10}@[a-zA-Z0-9.-]{0,14}\s*\Z"),
        # The shapes the Arrow tiers decide on: Latin letters, tags, wrappers,
        # Gmail, hyphens, digits and dots where the rules draw their lines.
        st.from_regex(
            r"\A[ \t]*(Jan <)?[a-zA-Z0-9.+" + _LATIN_LOWER[:12] + _LATIN_UPPER[:12] + r"-]{0,12}"
            r"@([a-z0-9-]{0,8}\.)?(gmail|googlemail|g-mail|xn--bcher-kva|a--b|9|bücher|BÜCHER"
            r"|\uff47mail|e\u0301|caf\u00e9\.|\u200b|')"
            r"\.(com|nl|1|n1|-nl|co\.uk)\.?(>)?[ \t]*\Z"
        ),
    ),
    max_size=25,
)

#: Values at the edges of the vectorised tiers, each once per tier.
_EDGES = [
    "+x@d.nl",
    " +X@D.NL ",
    "a.+x@d.nl",
    "Jan <+x@d.nl>",
    "A+B@GMAIL.COM",
    "j.doe+@googlemail.com",
    ".a@gmail.com",
    "a..b@gmail.com",
    "x@" + "a" * 63 + ".nl",
    "x@" + "a" * 64 + ".nl",
    "x@" + "a" * 60 + ".b.nl",
    "y" * 64 + "@d.nl",
    "y" * 65 + "@d.nl",
    "é" * 32 + "@d.nl",
    "é" * 33 + "@d.nl",
    "x@xn--bcher-kva.de",
    "x@xn--zzzz.de",
    "x@ab--cd.nl",
    "x@1.2.3.4",
    "x@d.123",
    "x@d.1a",
    "x@d.a1",
    "Ö@d.nl",
    "ÖSTER@D.NL",
    "\u01c4@d.nl",
    "ß@d.nl",
    "\u0130@d.nl",
    "\u03a3\u0391\u03a3@d.nl",
    "<a@b.nl>",
    '"a@b.nl"',
    "a@b.nl.",
    "a@-b.nl",
    "a@b-.nl",
    "a@b.nl-",
    "a@b.-nl",
    "Jan <a@b.nl> <c@d.nl>",
    "mailto:A@B.NL",
    # Tier 2b: the domain decided once per distinct domain.
    "x@BÜCHER.de",
    "Jan <X.Y+z@Bücher.DE>",
    "x@b.nl.",
    "x@gmail.com.",
    "A.B+c@GMAIL.COM.",
    "a.b@g\uff4d\uff41il.com",
    "x@b\u200b.nl",
    "x@b.nl\u200b",
    "x.@bücher.de",
    "x.+y@bücher.de",
    "+x@bücher.de",
    "x@bücher..de",
    "x@[1.2.3.4]",
    "x@xn--bcher-kva.de.",
    "é" * 32 + "@bücher.de",
    "é" * 33 + "@bücher.de",
    "x@d.123.",
    "x@-bücher.de",
    "x@b\u0301.de",
    "x@\u0301b.de",
    "x@e\u0301.de",
    "x@b.nl\u00a0",
    "x@b\u00a0c.nl",
    "x@b\x00.nl",
    "x@b(c).nl",
    "x@\u00e9.d\u00e9",
    "'0@0.A'",
    "'a@bücher.de'",
    '"a@bücher.de"',
    "a@bücher.de'",
]


class TestVectorised:
    """normalize_emails gives exactly the scalar result, for every dtype."""

    @given(_MIXED)
    def test_agrees_with_scalar(self, values: list[object]) -> None:
        """Element by element, normalize_emails == normalize_email (NA for invalid)."""
        expected = [_scalar(v) for v in values]
        assert expected == _as_list(normalize_emails(pd.Series(values, dtype=object)))

    @given(
        st.lists(
            st.one_of(st.none(), emails(), emails().flatmap(messy_variants), st.text(max_size=20)),
            max_size=20,
        )
    )
    def test_all_dtypes_agree(self, values: list[str | None]) -> None:
        """object, string, pyarrow, categorical and chunked columns give one result."""
        expected = [_scalar(v) for v in values]
        base = pd.Series(values, dtype=object)
        variants = [
            base,
            base.astype("string"),
            base.astype("string[pyarrow]"),
            base.astype(pd.ArrowDtype(pa.string())),
            base.astype(pd.ArrowDtype(pa.large_string())),
            base.astype("category"),
            pd.concat([base.iloc[: len(base) // 2], base.iloc[len(base) // 2 :]]).astype(
                "string[pyarrow]"
            ),
        ]
        for series in variants:
            assert expected == _as_list(normalize_emails(series)), series.dtype

    @given(
        st.tuples(
            emails().flatmap(messy_variants).map(lambda v: f"Jan de Vries <{v}>"),
            st.integers(0, 60),
            st.sampled_from(["\ud800", "\udbff", "\udc80", "\udfff"]),
        )
    )
    def test_lone_surrogates(self, parts: tuple[str, int, str]) -> None:
        """Text with a lone surrogate (broken decoding) agrees with the scalar rules."""
        text, at, surrogate = parts
        value = text[:at] + surrogate + text[at:]
        assert [_scalar(value)] == _as_list(normalize_emails(pd.Series([value], dtype=object)))

    @pytest.mark.parametrize("value", _EDGES)
    def test_edges_of_the_tiers(self, value: str) -> None:
        """Values at the edges of each vectorised tier agree with the scalar rules.

        Each value is checked alone and among already canonical addresses
        (so the other tiers run on a subset).
        """
        alone = _as_list(normalize_emails([value]))
        mixed = _as_list(normalize_emails(["a@b.nl", value, "c@d.nl"]))
        assert [_scalar(value)] == alone
        assert ["a@b.nl", _scalar(value), "c@d.nl"] == mixed

    def test_latin_letters_are_stable(self) -> None:
        """The Latin letters the Arrow tiers accept keep the scalar rules exactly.

        Lower-case ones are unchanged by ``str.lower`` and NFC, alone and next
        to each other; upper-case ones lower-case to one of them, and Arrow's
        ``utf8_lower`` agrees with ``str.lower`` on all of them.
        """
        assert "é" in _LATIN_LOWER
        assert "É" in _LATIN_UPPER
        assert not set("\u0130\u03a3\u01c4") & set(_LATIN_LOWER + _LATIN_UPPER)
        letters = _LATIN_LOWER + "abz09"
        for a in letters:
            assert a == a.lower() == unicodedata.normalize("NFC", a)
            for b in letters:
                assert a + b == unicodedata.normalize("NFC", a + b)
        for big in _LATIN_UPPER:
            assert big.lower() in _LATIN_LOWER
        arrow = pc.utf8_lower(pa.array(list(_LATIN_LOWER + _LATIN_UPPER))).to_pylist()
        assert [c.lower() for c in _LATIN_LOWER + _LATIN_UPPER] == arrow

    def test_chunked_arrow_column(self) -> None:
        """A column backed by a multi-chunk Arrow array is handled."""
        chunked = pa.chunked_array([["A@B.NL", None], ["x", " c@d.nl "]])
        series = pd.Series(pd.arrays.ArrowExtensionArray(chunked))
        assert ["a@b.nl", None, None, "c@d.nl"] == _as_list(normalize_emails(series))

    def test_keeps_index_and_name(self) -> None:
        """The result has the input's index and name, dtype string[pyarrow]."""
        series = pd.Series(["A@B.NL", 3], index=[10, 7], name="mail")
        result = normalize_emails(series)
        assert [10, 7] == list(result.index)
        assert "mail" == result.name
        assert pd.StringDtype("pyarrow") == result.dtype

    def test_iterables(self) -> None:
        """Lists, tuples, generators, numpy arrays and Index objects are accepted."""
        values = ["A@B.NL", None, "bad"]
        expected = ["a@b.nl", None, None]
        for it in (
            values,
            tuple(values),
            iter(values),
            np.array(values, dtype=object),
            pd.Index(values),
        ):
            assert expected == _as_list(normalize_emails(it))

    def test_empty(self) -> None:
        """An empty column gives an empty result."""
        assert 0 == len(normalize_emails(pd.Series([], dtype=object)))

    def test_input_not_modified(self) -> None:
        """The input Series is left exactly as it was."""
        series = pd.Series([" A@B.NL ", None, "x"], dtype=object)
        before = series.copy()
        normalize_emails(series)
        pd.testing.assert_series_equal(before, series)

    def test_str_subclass(self) -> None:
        """Subclasses of str are treated as text."""

        class Text(str):
            pass

        assert ["a@b.nl"] == _as_list(normalize_emails([Text("A@B.NL")]))


class TestVectors:
    """The frozen test vectors (docs/hash-contract.md) for canonical forms."""

    def test_canonical_forms(self, vectors_path: Path) -> None:
        """Every vector's input still gives its frozen canonical form."""
        vectors = json.loads(vectors_path.read_text(encoding="utf-8"))
        for case in vectors["emails"]:
            assert case["canonical"] == normalize_email(case["input"])
        for case in vectors["invalid"]:
            with pytest.raises(InvalidEmailError, match="not a valid") as info:
                normalize_email(case["input"])
            assert case["rule"] == info.value.rule

"""E-mail normalisation, rule set ``v1`` (the first half of the hash contract).

The canonical form produced here is for *matching and hashing only*, never for
sending mail: it lower-cases, drops ``+tags`` and Gmail dots, so it may not be
a deliverable address. Every rule is documented byte for byte in
``docs/hash-contract.md`` and pinned by test vectors; v1 is never changed in
place. A later rule set gets a new version name and new functions.

Two entry points give identical results:

* :func:`normalize_email` for one value (raises :class:`InvalidEmailError`),
* :func:`normalize_emails` for a whole column (NA where invalid), vectorised
  with Arrow compute kernels for the common ASCII case and falling back to the
  scalar rules for everything else.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, Final

import idna
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from locosuppress._arrow import Assembly, as_mask, byte_hits, has_byte, string_buffers, to_arrow
from locosuppress.errors import InvalidDomainError, InvalidEmailError

__all__ = [
    "NORMALIZATION_VERSION",
    "normalize_domain",
    "normalize_email",
    "normalize_emails",
]

NORMALIZATION_VERSION: Final = "v1"

# Rule 2: every character for which ``str.isspace()`` is true (pinned by a test
# that scans all of Unicode), plus the invisible characters people paste.
_WHITESPACE: Final = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
_INVISIBLE: Final = "\u200b\u200c\u200d\u2060\ufeff"
_STRIP: Final = _WHITESPACE + _INVISIBLE

# RFC 5322 atext (ASCII part).
_ATEXT_ASCII: Final = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~"
)
_GMAIL: Final = "gmail.com"
_GMAIL_ALIASES: Final = frozenset({"gmail.com", "googlemail.com"})
_MAX_LOCAL_BYTES: Final = 64
_MAX_DOMAIN: Final = 253
_MAX_LABEL: Final = 63


def _fail(rule: str, message: str) -> InvalidEmailError:
    return InvalidEmailError(f"not a valid e-mail address (rule {rule}): {message}", rule=rule)


def _strip(value: str) -> str:
    return value.strip(_STRIP)


def _unwrap(value: str) -> str:
    """Rule 3: quotes, then a display-name/angle wrapper, then ``mailto:``."""
    value = _strip(value)
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = _strip(value[1:-1])
    if value.endswith(">"):
        start = value.rfind("<")
        if start == -1:
            raise _fail("3-wrapper", "a '>' without a matching '<'")
        value = _strip(value[start + 1 : -1])
    if value[:7].lower() == "mailto:":
        value = value[7:]
        at = value.find("@")
        if at != -1:
            query = value.find("?", at)
            if query != -1:
                value = value[:query]
        value = _strip(value)
    return value


def unwrapped_lower(value: str, /) -> str:
    """A cell as clients hash it: rule 3 (strip, quotes, ``Name <...>``, ``mailto:``), lower-cased.

    Not the canonical form: no ``+tag`` or Gmail-dot rule, no IDNA. The text
    whose MD5/SHA-1/SHA-256 a client's do-not-mail file holds
    (``docs/hash-contract.md``, "Foreign digests").

    Raises:
        InvalidEmailError: an unbalanced ``>`` wrapper.
    """
    return _unwrap(value).lower()


#: The characters rule 2 strips, for vectorised callers.
STRIP_CHARACTERS: Final = _STRIP


def _is_atext(char: str) -> bool:
    if char in _ATEXT_ASCII:
        return True
    if ord(char) < 128:
        return False
    return unicodedata.category(char)[0] in "LNM"


_NOT_ASCII_ATEXT_OR_DOT: Final = re.compile(r"[^A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]")
_DOT_ATOM_ASCII: Final = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
)
# Python's ``\s`` in a str pattern is exactly ``str.isspace()`` (pinned by a
# test); Cc is U+0000-U+001F and U+007F-U+009F.
_SPACE_OR_CONTROL: Final = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")


def _check_dot_atom(local: str, rule: str) -> None:
    if not local:
        raise _fail(rule, "the local part (before the '@') is empty")
    if local[0] == "." or local[-1] == ".":
        raise _fail(rule, "the local part starts or ends with a dot")
    if ".." in local:
        raise _fail(rule, "the local part has two dots in a row")
    for match in _NOT_ASCII_ATEXT_OR_DOT.finditer(local):
        char = match.group()
        if not _is_atext(char):
            raise _fail(rule, f"the local part holds a character not allowed ({_describe(char)})")


def _describe(char: str) -> str:
    """Name a character without echoing a whole address."""
    return f"U+{ord(char):04X} {unicodedata.name(char, 'unnamed')}"


_LABEL_RE: Final = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def _label_ok(label: str) -> bool:
    return _LABEL_RE.fullmatch(label) is not None


def _domain(domain: str, *, fail: type[InvalidEmailError] | type[InvalidDomainError]) -> str:
    """Rule 6 on a domain already stripped of surrounding whitespace."""
    result = _domain_cached(domain)
    if isinstance(result, str):
        return result
    rule, message = result
    raise fail(f"not a valid domain (rule {rule}): {message}", rule=rule)


@lru_cache(maxsize=1 << 16)
def _domain_cached(domain: str) -> str | tuple[str, str]:
    """Rule 6: the canonical domain, or ``(rule, message)`` when invalid.

    Domains repeat across a mailing file, and IDNA is slow, so results are
    cached (the function is pure).
    """
    if domain.endswith("."):
        domain = domain[:-1]
    if not domain:
        return ("6-empty", "the domain is empty")
    if domain.startswith("["):
        return ("6-ip-literal", "IP address literals are not accepted")
    if domain.isascii():
        domain = domain.lower()
        for label in domain.split("."):
            if label.startswith("xn--"):
                try:
                    idna.decode(label)
                except (idna.IDNAError, UnicodeError, ValueError):
                    return ("6-idna", "an 'xn--' label does not decode")
    else:
        try:
            domain = idna.encode(domain, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError, ValueError):
            return ("6-idna", "the international domain is not valid IDNA 2008")
    labels = domain.split(".")
    if len(labels) < 2:
        return ("6-labels", "the domain needs at least two labels (like example.nl)")
    if not all(_label_ok(label) for label in labels):
        return ("6-labels", "a domain label is empty, too long or holds a character not allowed")
    if labels[-1].isdigit():
        return ("6-tld", "the last label is all digits (IP addresses are not accepted)")
    if len(domain) > _MAX_DOMAIN:
        return ("6-length", "the domain is longer than 253 characters")
    return domain


def _local(local: str) -> str:
    """Rule 7 (syntax, lower case, tag) and the local half of rule 9."""
    _check_dot_atom(local, "7-dot-atom")
    local = local.lower()
    plus = local.find("+")
    if plus != -1:
        local = local[:plus]
        _check_dot_atom(local, "7-tag")
    if len(local.encode("utf-8")) > _MAX_LOCAL_BYTES:
        raise _fail("7-length", "the local part is longer than 64 bytes")
    return local


def normalize_email(value: object, /) -> str:
    """Return the canonical matching form of one e-mail address (rules v1).

    The result is for matching and hashing only; never send mail to it.
    ``normalize_email(normalize_email(x)) == normalize_email(x)`` for every
    valid ``x``.

    Args:
        value: the address as found in the data; only ``str`` is accepted.

    Returns:
        The canonical form, e.g. ``"John.Doe+news@GoogleMail.com "`` gives
        ``"johndoe@gmail.com"``.

    Raises:
        InvalidEmailError: the value is not an address; ``.rule`` names the
            rule of ``docs/hash-contract.md`` that failed.
    """
    if not isinstance(value, str):
        raise _fail("1-type", f"expected text, got {type(value).__name__}")
    value = _unwrap(value)
    if not value.isascii():
        value = unicodedata.normalize("NFC", value)
    if value.count("@") != 1:
        raise _fail("5-one-at", f"expected exactly one '@', found {value.count('@')}")
    local, domain = value.split("@")
    if not local or not domain:
        raise _fail("5-parts", "the part before or after the '@' is empty")
    bad = _SPACE_OR_CONTROL.search(value)
    if bad is not None:
        raise _fail(
            "5-space", f"spaces and control characters are not allowed ({_describe(bad.group())})"
        )
    if local.startswith('"'):
        raise _fail("5-quoted", "quoted local parts are not accepted in v1")
    if "(" in value or ")" in value:
        raise _fail("5-comment", "comments in parentheses are not accepted")
    domain = _domain(domain, fail=InvalidEmailError)
    local = _local(local)
    if domain in _GMAIL_ALIASES:
        domain = _GMAIL
        local = local.replace(".", "")
    if local.isascii():
        return f"{local}@{domain}"
    # Rule 9: NFC once more; lower-casing can undo NFC, and NFC can undo
    # lower-casing in rare cases, so repeat until the form is stable.
    for _ in range(4):
        settled = unicodedata.normalize("NFC", local)
        if settled.lower() == settled:
            break
        local = settled.lower()
    else:  # pragma: no cover - no such character known in Unicode 15
        raise _fail("9-unstable", "the local part has no stable lower-case NFC form")
    if settled != local:
        _check_dot_atom(settled, "9-nfc")
        if len(settled.encode("utf-8")) > _MAX_LOCAL_BYTES:
            raise _fail("9-nfc", "the local part is longer than 64 bytes after NFC")
    return f"{settled}@{domain}"


def normalize_domain(value: object, /) -> str:
    """Return the canonical form of a domain name (rule 6 of v1).

    Surrounding whitespace and one leading ``@`` are removed first, so
    ``" @Bücher.DE."`` gives ``"xn--bcher-kva.de"``.

    Raises:
        InvalidDomainError: the value is not a domain name.
    """
    if not isinstance(value, str):
        raise InvalidDomainError(
            f"not a valid domain (rule 1-type): expected text, got {type(value).__name__}",
            rule="1-type",
        )
    value = unicodedata.normalize("NFC", _strip(value))
    if value.startswith("@"):
        value = value[1:]
    if "@" in value or _SPACE_OR_CONTROL.search(value):
        raise InvalidDomainError(
            "not a valid domain (rule 5-space): spaces, control characters and '@' are not allowed",
            rule="5-space",
        )
    return _domain(value, fail=InvalidDomainError)


def _scalar_or_none(value: object) -> str | None:
    try:
        return normalize_email(value)
    except InvalidEmailError:
        return None


# --- the vectorised path --------------------------------------------------
#
# Three tiers, each proved equal to the scalar rules by a Hypothesis property
# (``normalize_emails(xs) == [normalize_email(x) for x in xs]``):
#
# 1. *Already canonical.* One RE2 pattern, a byte length and two suffix tests
#    prove that a value is its own canonical form: lower case, no tag, no
#    wrapper, no space, plain labels, at most 64 bytes, not Gmail. Such values
#    are taken as they are; a clean column costs four Arrow passes.
# 2. *Plain but messy.* The rest goes through Arrow kernels when one pattern
#    proves it is a plain address (ASCII whitespace padding, an optional
#    ``Name <...>`` wrapper, upper case, a tag, Gmail dots); for those, rules
#    1-9 reduce to: strip, lower-case, drop the tag, apply the Gmail rule.
# 3. *Everything else* (international domains, other scripts, wrappers with
#    quotes, errors, edge cases) goes through the scalar rules, one call per
#    distinct value.
#
# Tiers 1 and 2 accept, in the local part, the Latin-1 and Latin Extended-A
# letters for which lower-casing and NFC are the identity per character and
# on which Arrow's ``utf8_lower`` agrees with ``str.lower`` (checked at import
# against this interpreter's and this pyarrow's Unicode tables).


def _latin_letters() -> tuple[str, str]:
    """Return (lower-case, upper-case) Latin letters the Arrow tiers may handle."""
    lower: list[str] = []
    upper: list[str] = []
    for code in range(0xC0, 0x180):
        char = chr(code)
        if (
            unicodedata.category(char) != "Ll"
            or char.lower() != char
            or unicodedata.normalize("NFC", char) != char
        ):
            continue
        lower.append(char)
        big = char.upper()
        if (
            len(big) == 1
            and not big.isascii()
            and unicodedata.category(big) == "Lu"
            and big.lower() == char
            and unicodedata.normalize("NFC", big) == big
        ):
            upper.append(big)
    arrow_lower = pc.utf8_lower(pa.array(lower + upper, type=pa.string())).to_pylist()
    agrees = {c for c, low in zip(lower + upper, arrow_lower, strict=True) if low == c.lower()}
    return (
        "".join(c for c in lower if c in agrees),
        "".join(c for c in upper if c in agrees),
    )


_LATIN_LOWER, _LATIN_UPPER = _latin_letters()

# Tier 1: the canonical forms the pattern can prove. Labels have inner single
# hyphens only (so no 'xn--' label), the last label starts with a letter (so
# it is not all digits), and the byte limit keeps every length rule.
_CANON_ATOM: Final = "[a-z0-9!#$%&'*/=?^_`{|}~" + _LATIN_LOWER + "-]+"
_CANON_LABEL: Final = r"[a-z0-9]+(?:-[a-z0-9]+)*"
_CANON: Final = (
    rf"^{_CANON_ATOM}(?:\.{_CANON_ATOM})*@(?:{_CANON_LABEL}\.)+[a-z][a-z0-9]*(?:-[a-z0-9]+)*$"
)
_CANON_MAX_BYTES: Final = 64
_GMAIL_SUFFIXES: Final = ("@gmail.com", "@googlemail.com")

# Tier 2. Domain labels have inner single hyphens only (so no 'xn--' label)
# and the last one starts with a letter (so it is not all digits); a domain
# of at most 63 bytes cannot hold a label that is too long.
_ATOM: Final = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~" + _LATIN_LOWER + _LATIN_UPPER + "-]+"
_LABEL: Final = r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*"
_WS: Final = r"[ \t\n\r\x0b\x0c]*"
_ADDR: Final = rf"{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*"
_FAST: Final = rf"^{_WS}{_ADDR}{_WS}$"
_FAST_MAX_DOMAIN: Final = 63
# ``Display Name <address>`` or ``<address>``; the display name holds no
# angle bracket, so the '<' is the last one (rule 3). What is inside takes
# tier 2 when it matches ``_FAST``.
_WRAPPED: Final = rf"^[^<>]*<(?P<addr>[^<>]*)>{_WS}$"


def _re2_class_escape(chars: str) -> str:
    return "".join(c if c.isascii() and c.isalnum() else f"\\x{{{ord(c):x}}}" for c in chars)


# Tier 2b: a tier-2 local part and any domain without space, control,
# invisible, quote or structural characters (a quote could close a quoted
# whole, which rule 3 removes). The domain goes through the scalar
# rule 6 once per distinct domain (so IDNA runs once per domain, not per row).
_DOMAIN_CHARS: Final = (
    "[^"
    + _re2_class_escape(
        "@<>()[]\"'"
        + _WHITESPACE
        + _INVISIBLE
        + "".join(map(chr, range(0x20)))
        + "".join(map(chr, range(0x7F, 0xA0)))
    )
    + "]+"
)
_BY_DOMAIN: Final = rf"^{_WS}(?P<local>{_ATOM}(?:\.{_ATOM})*)@(?P<domain>{_DOMAIN_CHARS}){_WS}$"


def _ends_with_any(arr: pa.Array, suffixes: tuple[str, ...]) -> pa.Array:
    hits = [pc.ends_with(arr, suffix) for suffix in suffixes]
    out = hits[0]
    for hit in hits[1:]:
        out = pc.or_(out, hit)
    return pc.fill_null(out, False)


def _gmail_rule(values: pa.Array, suffix: str) -> pa.Array:
    """Rule 8 on lower-cased, untagged addresses that end with ``suffix``."""
    local = pc.utf8_slice_codeunits(values, 0, -len(suffix))
    return pc.binary_join_element_wise(pc.replace_substring(local, ".", ""), _GMAIL, "@")


def _normalize_arrow(arr: pa.Array, is_str: np.ndarray[Any, np.dtype[np.bool_]]) -> pa.Array:
    """Normalise an Arrow string array; invalid and non-str entries become null."""
    n = len(arr)
    if n == 0:
        return pa.array([], type=pa.string())
    canonical = pc.and_(
        pc.fill_null(pc.match_substring_regex(arr, _CANON), False),
        pc.less_equal(pc.binary_length(arr), _CANON_MAX_BYTES),
    )
    canonical = pc.and_not(pc.fill_null(canonical, False), _ends_with_any(arr, _GMAIL_SUFFIXES))
    rest = pc.invert(canonical)
    if not rest.true_count:
        return arr
    rest_np = as_mask(rest)
    out = _normalize_rest(arr.filter(rest), is_str[rest_np])
    # The canonical rows keep their place in ``arr``; the others point past it.
    index = np.arange(n, dtype=np.int64)
    index[rest_np] = np.where(out.index >= 0, out.index + n, -1)
    return pa.concat_arrays([arr, out.values()]).take(pa.array(index, mask=index < 0))


def _normalize_rest(arr: pa.Array, is_str: np.ndarray[Any, np.dtype[np.bool_]]) -> Assembly:
    """Tiers 2 and 3 on the values that are not already canonical."""
    n = len(arr)
    original = arr
    fast = as_mask(pc.match_substring_regex(arr, _FAST))
    # Rule 3 for the common ``Name <address>`` case, on the rows the plain
    # pattern rejected that hold a '<'.
    wrapped = has_byte(arr, 0x3C) & ~fast  # '<'
    if wrapped.any():
        outer = arr.filter(wrapped)
        inner = pc.struct_field(pc.extract_regex(outer, _WRAPPED), "addr")
        arr = pc.replace_with_mask(arr, wrapped, pc.coalesce(inner, outer))
        fast[wrapped] = as_mask(pc.match_substring_regex(inner, _FAST))
    lowered = pc.utf8_lower(pc.utf8_trim(arr, " \t\n\r\x0b\x0c"))
    # Rule 7: drop the tag, on the rows with a '+'; a dot left before the
    # '@' (``john.+x@``) sends the row to tier 3, which names the error.
    tagged = fast & has_byte(lowered, 0x2B)  # '+'
    if tagged.any():
        untagged = pc.replace_substring_regex(lowered.filter(tagged), r"\+[^@]*@", "@")
        lowered = pc.replace_with_mask(lowered, tagged, untagged)
        fast[tagged] = ~as_mask(pc.match_substring(untagged, ".@"))
    # What tier 2 leaves to tier 3: an empty local part (``+tag@``), one over
    # 64 bytes, a domain over 63 bytes (which might hold a label over 63).
    # A fast row holds exactly one '@' (no atom or label holds one).
    rows, at = byte_hits(lowered, 0x40)
    offsets, _ = string_buffers(lowered)
    local_len = np.zeros(n, dtype=np.int64)
    local_len[rows] = at
    domain_len = np.diff(offsets) - local_len - 1
    fast &= (local_len > 0) & (local_len <= _MAX_LOCAL_BYTES) & (domain_len <= _FAST_MAX_DOMAIN)
    out = Assembly(n)
    # Rule 8: Gmail, on the fast rows that end with one of its domains.
    plain = fast.copy()
    for suffix in _GMAIL_SUFFIXES:
        gmail = fast & as_mask(pc.ends_with(lowered, suffix))
        if gmail.any():
            out.put(gmail, _gmail_rule(lowered.filter(gmail), suffix))
            plain &= ~gmail
    out.put(plain, lowered.filter(plain))

    slow_mask = is_str & ~fast
    if not slow_mask.any():
        return out
    # Tier 2b on what tier 2 left, then tier 3 on what neither decided.
    rows = np.flatnonzero(slow_mask)
    by_domain, decided = _normalize_by_domain(arr.filter(slow_mask))
    if decided.any():
        out.put(rows[decided], by_domain.filter(decided))
        rows = rows[~decided]
        if not len(rows):
            return out
    slow_values = original.take(pa.array(rows)).to_pylist()
    cache: dict[str, str | None] = {}
    slow_out: list[str | None] = []
    append = slow_out.append
    for v in slow_values:
        r = cache.get(v, _MISSING)
        if r is _MISSING:
            cache[v] = r = _scalar_or_none(v)
        append(r)  # type: ignore[arg-type]
    out.put(rows, pa.array(slow_out, type=pa.string()))
    return out


_MISSING: Final = object()


def _normalize_by_domain(
    arr: pa.Array,
) -> tuple[pa.Array, np.ndarray[Any, np.dtype[np.bool_]]]:
    """Tier 2b: rules 4-9 with the domain decided once per distinct domain.

    Returns the canonical forms (null where invalid) and a mask of the rows
    this tier decided; the others are left to the scalar rules.
    """
    parts = pc.extract_regex(arr, _BY_DOMAIN)
    decided = np.asarray(parts.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    if not decided.any():
        return pa.nulls(len(arr), pa.string()), decided
    local = pc.utf8_lower(pc.struct_field(parts, "local"))
    local = pc.replace_substring_regex(local, r"\+.*$", "")  # rule 7: the tag
    ok = pc.and_(
        pc.greater(pc.binary_length(local), 0),
        pc.less_equal(pc.binary_length(local), _MAX_LOCAL_BYTES),
    )
    ok = pc.and_not(ok, pc.ends_with(local, "."))
    encoded = pc.struct_field(parts, "domain").dictionary_encode()
    domains = pa.array(
        [_domain_or_none(d) for d in encoded.dictionary.to_pylist()], type=pa.string()
    ).take(encoded.indices)
    gmail = pc.fill_null(pc.is_in(domains, pa.array(sorted(_GMAIL_ALIASES))), False)
    local = pc.if_else(gmail, pc.replace_substring(local, ".", ""), local)
    domains = pc.if_else(gmail, _GMAIL, domains)
    joined = pc.binary_join_element_wise(local, domains, "@")
    return pc.if_else(pc.fill_null(ok, False), joined, pa.nulls(len(arr), pa.string())), decided


def _domain_or_none(domain: str) -> str | None:
    """Rule 6 (after rule 4) on a domain taken from an address; None when invalid."""
    if not domain.isascii():
        domain = unicodedata.normalize("NFC", domain)
    result = _domain_cached(domain)
    return result if isinstance(result, str) else None


def as_series(values: Iterable[object] | pd.Series) -> pd.Series:
    if isinstance(values, pd.Series):
        return values
    if isinstance(values, pd.Index):
        return values.to_series(index=pd.RangeIndex(len(values)))
    if isinstance(
        values, np.ndarray | pd.api.extensions.ExtensionArray | pa.Array | pa.ChunkedArray
    ):
        return pd.Series(values)
    return pd.Series(list(values), dtype=object)


def canonical_arrow(values: pd.Series, /) -> pa.Array:
    """Canonical forms of a Series as an Arrow string array (null where invalid).

    The engine behind :func:`normalize_emails`, also used by filtering and
    hashing; categorical columns are normalised once per category.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = canonical_arrow(pd.Series(values.cat.categories))
        codes = values.cat.codes.to_numpy()
        return categories.take(pa.array(codes, mask=codes < 0))
    return _normalize_arrow(*to_arrow(values))


def normalize_emails(values: Iterable[object] | pd.Series, /) -> pd.Series:
    """Normalise a whole column of addresses; NA where a value is invalid.

    Gives exactly :func:`normalize_email` of every element, but vectorised.
    Accepts a Series of any dtype (``object``, ``string``, Arrow-backed,
    categorical; chunked or not) or any iterable; a Series keeps its index
    and name.

    Returns:
        A Series of dtype ``string[pyarrow]`` (``pd.StringDtype("pyarrow")``)
        with ``<NA>`` for every value that is missing or not an address.
    """
    series = as_series(values)
    return pd.Series(
        pd.arrays.ArrowStringArray(canonical_arrow(series)),
        index=series.index,
        name=series.name,
        copy=False,
    )

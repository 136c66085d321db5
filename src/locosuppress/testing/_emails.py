"""Addresses as people write them: valid, messy and invalid.

Part of :mod:`locosuppress.testing` (import from there).
"""

from __future__ import annotations

import contextlib as _contextlib
import unicodedata as _unicodedata

import idna as _idna
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from locosuppress.normalize import normalize_email as _normalize_email

_ATEXT_ASCII = "abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*-/=?^_`{|}~"
_INTL_LETTERS = (
    "éèëêáàäâóöôúüûíïçñøåæœßĳþðłśžčřšęąőűğışə"
    "αβγδεζηθικλμνξπρστυφχψω"
    "абвгдежзиклмнопрстуфхцчшщыэюя"
    "中文日本語한국어"
)
_ASCII_LABEL = st.from_regex(r"\A[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?\Z")
_TLD = st.sampled_from(["nl", "com", "org", "de", "be", "fr", "eu", "co.uk", "info", "amsterdam"])
_UNICODE_LABELS = st.sampled_from(
    [
        "bücher",
        "exämple",
        "münchen",
        "café",
        "ñandú",
        "zürich",
        "ελληνικά",
        "пример",
        "例え",
        "société",
    ]
)
_WRAP_SPACE = st.sampled_from(["", " ", "  ", "\t", "\u00a0", "\u3000", "\n"])
_PADDING = st.text(
    alphabet="\t\n\x0b\x0c\r \x85\xa0\u2002\u3000\u200b\u200c\u200d\u2060\ufeff", max_size=3
)


def _is_valid(address: str) -> bool:
    try:
        _normalize_email(address)
    except ValueError:
        return False
    return True


def _local_parts(*, international: bool) -> SearchStrategy[str]:
    alphabet = _ATEXT_ASCII + (_INTL_LETTERS if international else "")
    atom = st.text(alphabet=alphabet, min_size=1, max_size=10)
    return st.lists(atom, min_size=1, max_size=3).map(".".join)


def _domains(*, international: bool) -> SearchStrategy[str]:
    label = st.one_of(_ASCII_LABEL, _UNICODE_LABELS) if international else _ASCII_LABEL
    return st.builds(
        lambda labels, tld: ".".join([*labels, tld]),
        st.lists(label, min_size=1, max_size=3),
        _TLD,
    )


def emails(*, international: bool = True) -> SearchStrategy[str]:
    """Valid e-mail addresses (rules v1), ASCII and, by default, international.

    Local parts use RFC 5322 atext and, when ``international``, letters of
    several scripts; domains mix ASCII labels with Unicode labels and a few
    well-known Gmail addresses so the provider rule is exercised.
    """
    generic = st.builds(
        lambda local, domain: f"{local}@{domain}",
        _local_parts(international=international),
        _domains(international=international),
    )
    gmail = st.builds(
        lambda local, domain: f"{local}@{domain}",
        _local_parts(international=False),
        st.sampled_from(["gmail.com", "googlemail.com"]),
    )
    return st.one_of(generic, generic, gmail).filter(_is_valid)


def _swap_case(text: str, flips: list[bool]) -> str:
    out = []
    for char, flip in zip(text, flips, strict=False):
        upper = char.upper()
        out.append(upper if flip and len(upper) == 1 and upper.lower() == char else char)
    out.extend(text[len(flips) :])
    flipped = "".join(out)
    # str.lower() is context-sensitive (a capital sigma at the end of a word
    # lowers to the final sigma), so keep only flips it undoes in context.
    if flipped.lower() != text.lower():
        ascii_only = (
            c.upper() if f and c.isascii() else c for c, f in zip(text, flips, strict=False)
        )
        return "".join(ascii_only) + text[len(flips) :]
    return flipped


@st.composite
def _messy(draw: st.DrawFn, address: str) -> str:
    local, domain = address.rsplit("@", 1)
    base = local.split("+", 1)[0]
    rest = local[len(base) :]
    # Gmail: dots anywhere in the user name, and the googlemail alias.
    if domain.lower().rstrip(".") in ("gmail.com", "googlemail.com"):
        plain = base.replace(".", "")
        cuts = draw(st.sets(st.integers(1, max(1, len(plain) - 1)), max_size=3))
        pieces, last = [], 0
        for cut in sorted(c for c in cuts if 0 < c < len(plain)):
            pieces.append(plain[last:cut])
            last = cut
        pieces.append(plain[last:])
        base = ".".join(pieces)
        domain = draw(st.sampled_from(["gmail.com", "googlemail.com", "GMail.com"]))
    # A sub-address tag (the part from the first '+' is dropped).
    if draw(st.booleans()):
        tag = draw(st.from_regex(r"\A[a-z0-9_-]{0,6}(\.[a-z0-9_-]{1,4})?\Z"))
        rest = rest + "+" + tag
    local = base + rest
    # The domain in its other IDNA form (U-label <-> A-label).
    if draw(st.booleans()):
        with _contextlib.suppress(_idna.IDNAError, UnicodeError):
            domain = (
                _idna.encode(domain, uts46=True).decode("ascii")
                if not domain.isascii()
                else _idna.decode(domain)
            )
    flips = draw(st.lists(st.booleans(), max_size=len(local) + len(domain)))
    local = _swap_case(local, flips[: len(local)])
    domain = _swap_case(domain, flips[len(local) :])
    if draw(st.booleans()):
        domain += "."
    value = f"{local}@{domain}"
    if draw(st.booleans()):
        value = _unicodedata.normalize("NFD", value)
    if draw(st.booleans()):
        query = draw(st.sampled_from(["", "?subject=Uitschrijven", "?body=a@b.c&x=1"]))
        value = draw(st.sampled_from(["mailto:", "MAILTO:", "MailTo:"])) + value + query
    if draw(st.booleans()):
        name = draw(st.sampled_from(["", "Jan de Vries", '"de Vries, Jan"', "Ĳsbrand", "info"]))
        value = f"{name}{draw(_WRAP_SPACE)}<{draw(_WRAP_SPACE)}{value}{draw(_WRAP_SPACE)}>"
    if draw(st.booleans()):
        quote = draw(st.sampled_from(['"', "'"]))
        value = f"{quote}{draw(_WRAP_SPACE)}{value}{draw(_WRAP_SPACE)}{quote}"
    return draw(_PADDING) + value + draw(_PADDING)


def messy_variants(address: str) -> SearchStrategy[str]:
    """The same person written many ways: every value normalises like ``address``.

    Variants combine case changes that ``str.lower()`` undoes, surrounding
    and invisible whitespace, display-name and angle wrappers, quotes,
    ``mailto:`` links, ``+tags``, Gmail dots and the googlemail alias, NFD
    decomposition and the other IDNA form of the domain.
    """
    return _messy(address)


def invalid_emails() -> SearchStrategy[object]:
    """Values that are not addresses: wrong types, missing parts, bad syntax."""
    return st.one_of(
        st.none(),
        st.just(float("nan")),
        st.integers(),
        st.binary(max_size=10),
        st.sampled_from(
            [
                "",
                "   ",
                "no-at-sign",
                "a@@b.nl",
                "@b.nl",
                "a@",
                "a b@c.nl",
                "a@b",
                "a..b@c.nl",
                ".a@b.nl",
                "a.@b.nl",
                "+tag@b.nl",
                "a.+tag@b.nl",
                '"a b"@c.nl',
                "a@[1.2.3.4]",
                "a@1.2.3.4",
                "a@-b.nl",
                "a@b-.nl",
                "a@xn--zz.nl",
                "a(comment)@b.nl",
                "a@b_c.nl",
            ]
        ),
    )

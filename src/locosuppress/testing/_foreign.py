"""Clients' hashed do-not-mail files and wildcard domains, as a list must take them.

Part of :mod:`locosuppress.testing` (import from there).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence as _Sequence

import attrs
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from locosuppress.keys import FOREIGN_KINDS as _SIZES
from locosuppress.normalize import normalize_email, unwrapped_lower
from locosuppress.testing._emails import _ASCII_LABEL, emails

#: The digest kinds :meth:`SuppressionList.add_foreign_hashes` takes.
FOREIGN_KINDS = tuple(_SIZES)


def client_digest(address: str, kind: str, /) -> bytes:
    """The raw digest a client's file of ``kind`` holds for ``address``.

    ``md5``, ``sha1``, ``sha256``: of the address stripped and lower-cased (as
    Mailchimp's ``subscriber_hash``); ``sha256-v1``: of its canonical form v1.
    """
    text = normalize_email(address) if kind == "sha256-v1" else unwrapped_lower(address)
    algorithm = "sha256" if kind == "sha256-v1" else kind
    return hashlib.new(algorithm, text.encode("utf-8")).digest()


def digest_spellings(raw: bytes, /) -> SearchStrategy[str]:
    """Every way a client may write a digest, with stray spaces around it.

    Hex (either case) and base64 (standard or URL-safe, padded or not).
    """
    standard = base64.b64encode(raw).decode()
    urlsafe = base64.urlsafe_b64encode(raw).decode()
    forms = [
        raw.hex(),
        raw.hex().upper(),
        standard,
        standard.rstrip("="),
        urlsafe,
        urlsafe.rstrip("="),
    ]
    return st.builds(
        lambda form, left, right: left + form + right,
        st.sampled_from(forms),
        st.sampled_from(["", " ", "\t"]),
        st.sampled_from(["", " ", "\n"]),
    )


def invalid_digests(kind: str, /) -> SearchStrategy[object]:
    """Values that spell no digest of ``kind``.

    Wrong length, wrong alphabet, both base64 alphabets mixed, or not text.
    """
    size = _SIZES[kind]
    hex_text = st.text("0123456789abcdef", min_size=2 * size, max_size=2 * size)
    return st.one_of(
        st.none(),
        st.integers(),
        st.just(""),
        hex_text.map(lambda t: t[:-1]),  # one digit short
        hex_text.map(lambda t: t + "0"),  # one digit long
        hex_text.map(lambda t: "g" + t[1:]),  # not hex, and not base64 of that length
        st.binary(min_size=size, max_size=size).map(
            lambda raw: "+_" + base64.b64encode(raw).decode().rstrip("=")[2:]
        ),  # both base64 alphabets
        st.binary(min_size=size + 1, max_size=size + 4).map(
            lambda raw: base64.b64encode(raw).decode()
        ),
    )


@attrs.frozen
class ForeignFile:
    """A client's hashed file: the people it stands for, and its values (some invalid).

    Attributes:
        kind: the digest kind.
        addresses: the address behind each valid value (``None`` at invalid ones).
        values: the file's column, as given to ``add_foreign_hashes``.
    """

    kind: str
    addresses: tuple[str | None, ...]
    values: tuple[object, ...]

    @property
    def invalid_positions(self) -> tuple[int, ...]:
        """Where the file holds a value that spells no digest."""
        return tuple(i for i, a in enumerate(self.addresses) if a is None)


@st.composite
def _foreign_file(
    draw: st.DrawFn, kind: str, addresses: SearchStrategy[str], max_size: int
) -> ForeignFile:
    rows: list[tuple[str | None, object]] = []
    for _ in range(draw(st.integers(0, max_size))):
        if draw(st.integers(0, 4)) == 0:
            rows.append((None, draw(invalid_digests(kind))))
        else:
            address = draw(addresses)
            rows.append((address, draw(digest_spellings(client_digest(address, kind)))))
    return ForeignFile(kind, tuple(a for a, _ in rows), tuple(v for _, v in rows))


def foreign_files(
    kinds: _Sequence[str] = FOREIGN_KINDS,
    /,
    *,
    addresses: SearchStrategy[str] | None = None,
    max_size: int = 20,
) -> SearchStrategy[ForeignFile]:
    """Clients' hashed files: valid digests of ``addresses`` in every spelling, and invalid values.

    Use :func:`client_digest` to test a frame against them, and
    :attr:`ForeignFile.invalid_positions` to check the report.
    """
    people = emails() if addresses is None else addresses
    return st.sampled_from(tuple(kinds)).flatmap(lambda kind: _foreign_file(kind, people, max_size))


def wildcard_subdomains(suffix: str, /, *, max_depth: int = 4) -> SearchStrategy[str]:
    """Addresses at a subdomain of ``suffix``, 1 to ``max_depth`` labels deep (never at it)."""
    return st.builds(
        lambda local, labels: f"{local}@{'.'.join([*labels, suffix])}",
        st.sampled_from(["info", "jan", "a.b"]),
        st.lists(_ASCII_LABEL, min_size=1, max_size=max_depth),
    )


def wildcard_suffixes() -> SearchStrategy[str]:
    """Domains of two or three ASCII labels a wildcard (``"*." + suffix``) may name."""
    return st.builds(
        lambda labels, tld: ".".join([*labels, tld]),
        st.lists(_ASCII_LABEL, min_size=1, max_size=2),
        st.sampled_from(["com", "nl", "example", "co.uk"]),
    )

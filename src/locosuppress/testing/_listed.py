"""Values a suppression list must catch.

Part of :mod:`locosuppress.testing` (import from there).
"""

from __future__ import annotations

from collections.abc import Sequence as _Sequence

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from locosuppress.testing._emails import _is_valid, _local_parts, messy_variants


@st.composite
def _at_domain(draw: st.DrawFn, domains: _Sequence[str]) -> str:
    domain = draw(st.sampled_from(domains))
    local = draw(_local_parts(international=True))
    address = f"{local}@{domain}"
    return address if _is_valid(address) else f"info@{domain}"


def listed_values(
    addresses: _Sequence[str] = (), /, *, domains: _Sequence[str] = ()
) -> SearchStrategy[str]:
    """Values a list holding ``addresses`` and ``domains`` must catch.

    Each value is one of the ``addresses`` as written, one of them spelled
    another way (:func:`messy_variants`), or an address at one of the
    ``domains`` (written plainly or messily). Mix them into the values of
    :func:`mailing_frames`, so that a property of a filter sees suppressed
    rows, repeats of them and every channel's entries, not only addresses
    no list holds::

        listed = ["jan@example.nl", "piet@example.com"]
        frames = mailing_frames(
            values=st.one_of(address_values(), listed_values(listed, domains=["spam.example"]))
        )

    Args:
        addresses: valid addresses (each must normalise under the rules).
        domains: valid domain names.

    Raises:
        ValueError: neither addresses nor domains were given.
    """
    addresses, domains = tuple(addresses), tuple(domains)
    if not addresses and not domains:
        raise ValueError("listed_values needs at least one address or domain")
    parts: list[SearchStrategy[str]] = []
    if addresses:
        listed = st.sampled_from(addresses)
        parts += [listed, listed.flatmap(messy_variants)]
    if domains:
        at_domain = _at_domain(domains)
        parts += [at_domain, at_domain.flatmap(messy_variants)]
    return st.one_of(parts)

"""Keys and key rings: what a rotation property needs.

Part of :mod:`locosuppress.testing` (import from there). Keys are drawn from
all 32-byte values (Hypothesis shrinks them towards zero bytes); never use a
drawn key for real data.
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from locosuppress.keys import KeyRing, SuppressionKey


def suppression_keys() -> SearchStrategy[SuppressionKey]:
    """Any :class:`SuppressionKey` (32 drawn bytes)."""
    return st.binary(min_size=32, max_size=32).map(SuppressionKey)


def key_rings(*, min_size: int = 1, max_size: int = 4) -> SearchStrategy[KeyRing]:
    """Key rings of ``min_size`` to ``max_size`` distinct keys, oldest first.

    A list made with ``ring.keys[0]`` and rotated to each later key in turn
    opens with the ring; any other order or subset must be refused::

        @given(key_rings(min_size=2))
        def test_rotations(ring):
            with SuppressionList.open(path, ring.keys[0]) as lst:
                for key in ring.keys[1:]:
                    lst.rotate_key(key)
            SuppressionList.open(path, ring).close()
    """
    if min_size < 1 or max_size < min_size:
        raise ValueError("key_rings needs 1 <= min_size <= max_size")
    return st.lists(
        suppression_keys(),
        min_size=min_size,
        max_size=max_size,
        unique_by=lambda key: key.fingerprint,
    ).map(KeyRing)

"""Scrubbing of kept text: query strings of http(s) URLs and e-mail addresses.

One rule, two implementations that tests hold equal:

* :func:`scrub_text` works on one ``str`` with Python's ``re``. It is the
  readable specification and serves the rare values the fast path leaves.
* :func:`scrub_strings` works on a whole Arrow string array with RE2 through
  ``pyarrow.compute``; it carries the bulk (one call per column, on the
  distinct values of the rows being anonymised).

The rule, per value:

1. A URL runs up to the next white space. It is one with a scheme and ``//``
   (``https://``, ``ftp://``, any letter case), one without a scheme
   (``//x.nl/?uid=1``), or a bare host name with a dot followed by ``/`` or
   ``?`` (``x.nl/zomer?uid=1``, ``www.x.nl?uid=1``); one without a scheme
   that is an address as a whole (``0.a?@x.nl``, ``//@x.nl``) is an address. Every URL loses its
   user-info (``user:password@``), its fragment and every query parameter
   whose raw name is not in the allow-list (exactly: ``utm_source_uid`` and
   ``utm_sourcex`` are not ``utm_source``); the kept parameters stay in their
   order and spelling. A ``?`` with nothing left is dropped.
2. In the path and the kept query values of a URL, a run of at least 8
   base64 characters (standard or URL-safe) whose decoding has an ``@`` (seen
   in the characters alone: ``@`` gives ``Q[A-P]``, ``?[EUk0][A-D]`` or
   ``??[BFJNRVZdhlptx159]A`` at a 4-character step) and is UTF-8 text holding
   an address is replaced by :data:`EMAIL_PLACEHOLDER`, with its ``=``
   padding: ``/u/amFuQGV4YW1wbGUubmw=/c`` becomes ``/u/[email]/c``.
3. Inside what is left of a URL, an at sign followed by a domain is replaced,
   with the characters before it up to the nearest URL delimiter
   (``/ ? & = # :``), by :data:`EMAIL_PLACEHOLDER`: ``/u/jan@x.nl`` becomes
   ``/u/[email]`` and ``utm_campaign=@x.nl`` becomes ``utm_campaign=[email]``.
4. Outside URLs every address-shaped token (:data:`EMAIL_PATTERN`: a local part
   of RFC 5322 atext or non-ASCII letters, an at sign, a domain) is replaced by
   :data:`EMAIL_PLACEHOLDER`.

The placeholder is not address-shaped, so scrubbing is idempotent. The
address finder is deliberately generous (it fails closed): the at sign may be
``@``, ``%40`` (percent-encoded once), ``%2540`` (twice, or more: ``%252540``),
or the full-width and small variants; any non-ASCII character that is not
white space counts as a letter; the domain needs no dot. It is a token finder,
not a validator.

The vectorised path handles values that are one http(s) URL and text without
URLs; values with other URLs, or with a run that could be base64, go to
:func:`scrub_text` (a superset of the values where rules 1-2 could act, found
with RE2, so that both paths give the same result).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Collection, Iterable

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "EMAIL_PATTERN",
    "EMAIL_PLACEHOLDER",
    "WHITE_SPACE",
    "find_addresses",
    "scrub_strings",
    "scrub_text",
]

#: What an address becomes in kept text. Not address-shaped, so stable.
EMAIL_PLACEHOLDER = "[email]"

#: White space, as code point ranges: exactly the code points for which
#: ``str.isspace()`` is true (checked in the tests). URLs end at it.
WHITE_SPACE: tuple[tuple[int, int], ...] = (
    (0x09, 0x0D),
    (0x1C, 0x20),
    (0x85, 0x85),
    (0xA0, 0xA0),
    (0x1680, 0x1680),
    (0x2000, 0x200A),
    (0x2028, 0x2029),
    (0x202F, 0x202F),
    (0x205F, 0x205F),
    (0x3000, 0x3000),
)
_AT_SIGNS = ("\uff20", "\ufe6b")  # FULLWIDTH COMMERCIAL AT, SMALL COMMERCIAL AT


def _non_ascii_letters() -> tuple[tuple[int, int], ...]:
    """Code points from U+0080 up that are not white space, as ranges."""
    ranges: list[tuple[int, int]] = []
    start = 0x80
    for low, high in WHITE_SPACE:
        if high < start:
            continue
        if low > start:
            ranges.append((start, low - 1))
        start = high + 1
    ranges.append((start, 0x10FFFF))
    return tuple(ranges)


def _ranges(ranges: Iterable[tuple[int, int]], *, re2: bool) -> str:
    """Render code point ranges inside a character class for one engine."""

    def char(code: int) -> str:
        return f"\\x{{{code:x}}}" if re2 else f"\\U{code:08x}"

    return "".join(char(a) if a == b else f"{char(a)}-{char(b)}" for a, b in ranges)


def _patterns(*, re2: bool) -> dict[str, str]:
    """The scrubbing patterns, spelled for Python ``re`` or for RE2."""
    space = _ranges(WHITE_SPACE, re2=re2)
    letters = _ranges(_non_ascii_letters(), re2=re2)
    ats = "|".join(_ranges([(ord(c), ord(c))], re2=re2) for c in _AT_SIGNS)
    at = f"(?:@|%(?:25)*40|{ats})"
    label = f"[A-Za-z0-9_\\-{letters}]+"
    # a host name, or an address literal: [192.0.2.1] or [IPv6:2001:db8::1]
    domain = f"(?:{label}(?:\\.{label})*|\\[(?:IPv6:)?[0-9A-Fa-f:.]+\\])"
    # Local parts: all of RFC 5322 atext in text; in URLs the delimiters end them.
    text_local = f"[A-Za-z0-9!#$%&'*+\\-/=?^_`{{|}}~.{letters}]+"
    url_local = f"[A-Za-z0-9!$%'*+\\-^_`{{|}}~.{letters}]*"
    http = f"[Hh][Tt][Tt][Pp][Ss]?://[^{space}]*"
    # any scheme with //, or none (//x.nl/...), or a bare host with a dot then / or ?
    scheme = r"(?:[A-Za-z][A-Za-z0-9+.\-]*:)?//"
    host = f"{label}(?:\\.{label})*\\.[A-Za-z{letters}][A-Za-z0-9_\\-{letters}]*"
    url = f"(?:{scheme}|{host}[/?])[^{space}]*"
    # A run of base64 characters whose decoding has an at sign: "@" (0x40) at byte
    # offset 0, 1 or 2 of a 3-byte group gives these sextets at a 4-character step.
    b64 = "[A-Za-z0-9+_\\-]"
    at_in_base64 = f"(?:{b64}{{4}})*(?:Q[A-P]|{b64}[EUk0][A-D]|{b64}{{2}}[BFJNRVZdhlptx159]A)"
    base64_run = f"(?:^|[^A-Za-z0-9+_\\-]){at_in_base64}"
    return {
        "email": f"{text_local}{at}{domain}",
        "email_in_url": f"{url_local}{at}{domain}",
        "url": url,
        "whole_http": f"^{http}$",
        "base64_run": base64_run,
        "at_in_base64": at_in_base64,
        # scheme, authority (user-info included), path, ?query, #fragment
        "parts": (
            f"^(?P<scheme>{scheme}|)(?P<authority>[^/?#]*)(?P<path>[^?#]*)"
            r"(?P<query>\?[^#]*)?(?P<fragment>#.*)?$"
        ),
        # user-info in a URL cut before its query and fragment
        "userinfo": r"^([Hh][Tt][Tt][Pp][Ss]?://)[^/]*@",
        "at": at,
    }


_PY = _patterns(re2=False)
_RE2 = _patterns(re2=True)

#: The address-shaped token finder for text outside URLs (Python ``re`` syntax).
EMAIL_PATTERN = _PY["email"]
_EMAIL_RE = re.compile(_PY["email"])
_EMAIL_IN_URL_RE = re.compile(_PY["email_in_url"])
_TOKEN_RE = re.compile(f"(?P<url>{_PY['url']})|{_PY['email']}")
_PARTS_RE = re.compile(_PY["parts"], re.DOTALL)
# a maximal run of base64 characters (both alphabets) and its = padding
_BASE64_TOKEN_RE = re.compile(r"(?<![A-Za-z0-9+_\-=])([A-Za-z0-9+_\-]{8,})(=*)(?![A-Za-z0-9+_\-=])")
_AT_IN_BASE64_RE = re.compile(_PY["at_in_base64"])


def find_addresses(text: str, /) -> list[str]:
    """Return the address-shaped tokens in ``text``, left to right."""
    return _EMAIL_RE.findall(text)


def _holds_address(token: str) -> bool:
    """Whether a run of base64 characters decodes to UTF-8 text holding an address."""
    if _AT_IN_BASE64_RE.match(token) is None:  # no "@" in its decoding
        return False
    if "-" in token or "_" in token:
        if "+" in token:
            return False
        token = token.replace("-", "+").replace("_", "/")
    if len(token) % 4 == 1:
        return False
    try:
        text = base64.b64decode(token + "=" * (-len(token) % 4), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return _EMAIL_RE.search(text) is not None


def _without_base64(text: str) -> tuple[str, int]:
    """``text`` with base64-encoded addresses replaced, and how many there were."""
    found = 0

    def token(match: re.Match[str]) -> str:
        nonlocal found
        if not _holds_address(match.group(1)):
            return match.group(0)
        found += 1
        return EMAIL_PLACEHOLDER

    return _BASE64_TOKEN_RE.sub(token, text), found


def _scrub_url(url: str, keep: Collection[str]) -> tuple[str, bool, int]:
    """Scrub one URL token (no white space inside): user-info, fragment, query, addresses."""
    match = _PARTS_RE.match(url)
    if match is None:  # pragma: no cover - every URL token matches the parts pattern
        return url, False, 0
    scheme, authority, path, query, _fragment = match.groups()
    host = authority.rpartition("@")[2]
    params = [p for p in (query or "?")[1:].split("&") if p.partition("=")[0] in keep]
    bare = f"{scheme}{host}{path}" + ("?" + "&".join(params) if params else "")
    path, encoded = _without_base64(path)
    decoded = []
    for param in params:
        name, sign, value = param.partition("=")
        value, more = _without_base64(value)
        encoded += more
        decoded.append(f"{name}{sign}{value}")
    rebuilt = f"{scheme}{host}{path}" + ("?" + "&".join(decoded) if decoded else "")
    text, addresses = _EMAIL_IN_URL_RE.subn(EMAIL_PLACEHOLDER, rebuilt)
    return text, bare != url, addresses + encoded


def scrub_text(value: str, /, keep_params: Collection[str]) -> tuple[str, bool, int]:
    """Scrub one text value.

    Args:
        value: any text.
        keep_params: query parameter names that may stay in URLs.

    Returns:
        The scrubbed text, whether a URL in it changed, and the number of
        addresses replaced by :data:`EMAIL_PLACEHOLDER`.
    """
    changed = False
    addresses = 0

    def token(match: re.Match[str]) -> str:
        nonlocal changed, addresses
        url = match.group("url")
        if url is None or _EMAIL_RE.fullmatch(url):
            # an address, also one that looks like a URL without scheme (0.a?@x.nl, //@x.nl)
            addresses += 1
            return EMAIL_PLACEHOLDER
        text, url_changed, found = _scrub_url(url, keep_params)
        changed = changed or url_changed
        addresses += found
        return text

    return _TOKEN_RE.sub(token, value), changed, addresses


def _bools(array: pa.Array | pa.ChunkedArray) -> npt.NDArray[np.bool_]:
    """An Arrow boolean array as numpy, nulls as False."""
    return np.asarray(pc.fill_null(array, False).to_numpy(zero_copy_only=False), dtype=bool)


def _scatter(base: pa.Array, positions: npt.NDArray[np.intp], values: pa.Array) -> pa.Array:
    """``base`` with ``values`` placed at ``positions`` (sorted, distinct)."""
    if len(positions) == 0:
        return base
    if len(positions) == len(base):
        return values.cast(base.type)
    at = np.zeros(len(base), dtype=bool)
    at[positions] = True
    return pc.replace_with_mask(base, pa.array(at), values.cast(base.type))


def _first(lists: pa.Array) -> pa.Array:
    return pc.list_element(lists, 0)


def _scrub_whole_urls(urls: pa.Array, keep: Collection[str]) -> pa.Array:
    """Vectorised :func:`_scrub_url` for values that are each exactly one URL token."""
    kind = urls.type
    empty = pa.scalar("", kind)
    before_fragment = _first(pc.split_pattern(urls, "#", max_splits=1))
    halves = pc.split_pattern(before_fragment, "?", max_splits=1)
    base = _first(halves)
    with_userinfo = _bools(pc.match_substring_regex(base, _RE2["userinfo"]))
    if with_userinfo.any():
        at = np.flatnonzero(with_userinfo)
        cleaned = pc.replace_substring_regex(base.take(pa.array(at)), _RE2["userinfo"], "\\1")
        base = _scatter(base, at, cleaned)
    has_query = np.asarray(pc.list_value_length(halves), dtype=np.int64) > 1
    if not has_query.any():
        return base
    at = np.flatnonzero(has_query)
    params = pc.split_pattern(pc.list_element(halves.take(pa.array(at)), 1), "&")
    flat = pc.list_flatten(params)
    parents = np.asarray(pc.list_parent_indices(params).to_numpy(), dtype=np.int64)
    allowed = np.zeros(len(flat), dtype=bool)
    for name in keep:
        allowed |= _bools(pc.equal(flat, pa.scalar(name, kind)))
        allowed |= _bools(pc.starts_with(flat, name + "="))
    counts = np.bincount(parents[allowed], minlength=len(at))
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    kept = flat.filter(pa.array(allowed))
    joined = pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), kept), pa.scalar("&", kind))
    mark = pc.if_else(pa.array(counts > 0), pa.scalar("?", kind), empty)
    rebuilt = pc.binary_join_element_wise(base.take(pa.array(at)), mark, joined, empty)
    return _scatter(base, at, rebuilt)


def scrub_strings(
    values: pa.Array, /, keep_params: Collection[str]
) -> tuple[pa.Array, npt.NDArray[np.bool_], npt.NDArray[np.int64]]:
    """Vectorised :func:`scrub_text` over an Arrow string array (nulls stay null).

    Returns:
        The scrubbed array (same type), a per-value flag saying a URL changed,
        and the per-value number of addresses replaced.
    """
    size = len(values)
    url_changed = np.zeros(size, dtype=bool)
    addresses = np.zeros(size, dtype=np.int64)
    text = values
    leftover = np.zeros(size, dtype=bool)  # URLs inside other text: done in Python
    if size == 0:
        return text, url_changed, addresses
    whole = np.zeros(size, dtype=bool)
    # Values with a URL token (a "//" or a bare host then / or ?): candidates.
    candidates = np.flatnonzero(
        _bools(pc.match_substring(values, "//"))
        | _bools(pc.match_substring_regex(values, _RE2["url"]))
    )
    if len(candidates):
        subset = _pick(values, candidates)
        # One http(s) URL and nothing else: vectorised.
        whole_at = _bools(pc.match_substring_regex(subset, _RE2["whole_http"]))
        leftover[candidates[~whole_at]] = True  # other URLs: done in Python
        if whole_at.any():
            positions = candidates[whole_at]
            original = subset if whole_at.all() else subset.filter(pa.array(whole_at))
            scrubbed = _scrub_whole_urls(original, keep_params)
            # What is left may hold a base64 address (path, kept values): done in Python.
            encoded = _bools(pc.match_substring_regex(scrubbed, _RE2["base64_run"]))
            leftover[positions[encoded]] = True
            whole[positions[~encoded]] = True
            url_changed[positions] = ~_bools(pc.equal(scrubbed, original))
            text = _scatter(text, positions, scrubbed)
    hint = np.zeros(size, dtype=bool)
    for sign in ("@", "%40", "2540", *_AT_SIGNS):  # %2540, %252540, ... all hold 2540
        hint |= _bools(pc.match_substring(text, sign))
    for pattern, rows in (("email_in_url", whole), ("email", ~whole)):
        positions = np.flatnonzero(hint & rows & ~leftover)
        if not len(positions):
            continue
        subset = _pick(text, positions)
        counts = np.asarray(pc.count_substring_regex(subset, _RE2[pattern]), dtype=np.int64)
        hit = counts > 0
        if hit.any():
            addresses[positions[hit]] = counts[hit]
            replaced = pc.replace_substring_regex(
                subset.filter(pa.array(hit)), _RE2[pattern], EMAIL_PLACEHOLDER
            )
            text = _scatter(text, positions[hit], replaced)
    if leftover.any():
        positions = np.flatnonzero(leftover)
        done = [scrub_text(v, keep_params) for v in values.take(pa.array(positions)).to_pylist()]
        url_changed[positions] = [changed for _, changed, _ in done]
        addresses[positions] = [count for _, _, count in done]
        text = _scatter(text, positions, pa.array([t for t, _, _ in done], type=values.type))
    return text, url_changed, addresses


def _pick(values: pa.Array, positions: npt.NDArray[np.intp]) -> pa.Array:
    """``values`` at ``positions`` (no copy when that is all of them)."""
    return values if len(positions) == len(values) else values.take(pa.array(positions))

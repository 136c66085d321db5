"""The words locosuppress stores and checks: scopes, channels, kinds, reasons, labels.

Layer 0: imports only :mod:`locosuppress.errors`. Every code written to a list
(and so to an export file or a PostgreSQL table) is defined here once, with the
checks that turn a user's option into a code; the store, the index, the filter
engine, the exports and the command line all read them from here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable, Mapping
from typing import Final

from locosuppress.errors import InvalidOptionError

__all__ = [
    "ADDRESS_COLUMN_NAMES",
    "CHANNELS",
    "CONTACT_COLUMN_NAMES",
    "FOREIGN_KIND_CODES",
    "FORMAT1_KINDS",
    "IDENTITY_ADDRESS_NAMES",
    "KINDS",
    "KIND_DOMAIN",
    "KIND_EMAIL",
    "KIND_MD5",
    "KIND_NAMES",
    "KIND_SHA1",
    "KIND_SHA256",
    "KIND_SHA256_V1",
    "KIND_WILDCARD",
    "MAX_SOURCE",
    "REASONS",
    "REASON_NAMES",
    "REMOVE_REASONS",
    "SCOPES",
    "SCOPE_ALL",
    "SCOPE_NAMES",
    "SCOPE_NEWSLETTER",
    "SCOPE_ORDER",
    "SCOPE_POST",
    "channel_mask",
    "channel_scopes",
    "check_remove_reason",
    "check_source",
    "looks_like_address",
    "option_code",
    "shown",
    "squash_name",
]

# --- scopes and channels -------------------------------------------------------------

#: Scope codes, stored in ``entries.scope`` and used as bits in the index.
SCOPE_ALL: Final = 1
SCOPE_NEWSLETTER: Final = 2
SCOPE_POST: Final = 4
#: Scope names and their codes, in report order.
SCOPES: Final[Mapping[str, int]] = {
    "all": SCOPE_ALL,
    "newsletter": SCOPE_NEWSLETTER,
    "post": SCOPE_POST,
}
SCOPE_NAMES: Final[Mapping[int, str]] = {code: name for name, code in SCOPES.items()}
SCOPE_ORDER: Final = tuple(SCOPES.items())

#: The scopes that block a channel; ``None`` is "any channel".
CHANNELS: Final[Mapping[str | None, tuple[int, ...]]] = {
    None: (SCOPE_ALL, SCOPE_NEWSLETTER, SCOPE_POST),
    "newsletter": (SCOPE_ALL, SCOPE_NEWSLETTER),
    "post": (SCOPE_ALL, SCOPE_POST),
}

# --- kinds of entry --------------------------------------------------------------------

#: Kind codes, stored in ``entries.kind`` (and as a letter in export files).
KIND_EMAIL: Final = 0
KIND_DOMAIN: Final = 1
#: A wildcard domain entry (``*.example.com``): every subdomain, at any depth.
KIND_WILDCARD: Final = 2
#: A client's digest of an address stripped and lower-cased (MD5, SHA-1, SHA-256).
KIND_MD5: Final = 3
KIND_SHA1: Final = 4
KIND_SHA256: Final = 5
#: A partner's SHA-256 of our canonical form v1.
KIND_SHA256_V1: Final = 6
#: Kind names and their codes; the names are those of the hashing purposes
#: (``keys``) and of the filter report's "by entry" breakdown.
KINDS: Final[Mapping[str, int]] = {
    "address": KIND_EMAIL,
    "domain": KIND_DOMAIN,
    "wildcard": KIND_WILDCARD,
    "md5": KIND_MD5,
    "sha1": KIND_SHA1,
    "sha256": KIND_SHA256,
    "sha256-v1": KIND_SHA256_V1,
}
KIND_NAMES: Final[Mapping[int, str]] = {code: name for name, code in KINDS.items()}
#: The kinds holding a keyed hash of a client's (foreign) digest, by name.
FOREIGN_KIND_CODES: Final[Mapping[str, int]] = {
    "md5": KIND_MD5,
    "sha1": KIND_SHA1,
    "sha256": KIND_SHA256,
    "sha256-v1": KIND_SHA256_V1,
}
#: Kinds a list of format 1 may hold; the others raise a list to format 2.
FORMAT1_KINDS: Final = (KIND_EMAIL, KIND_DOMAIN)

# --- reasons ---------------------------------------------------------------------------

#: Reasons an entry may carry and their codes in ``entries.reason``.
REASONS: Final[Mapping[str, int]] = {
    "unsubscribed": 1,
    "erasure": 2,
    "bounce": 3,
    "complaint": 4,
    "manual": 5,
    "import": 6,
}
REASON_NAMES: Final[Mapping[int, str]] = {code: name for name, code in REASONS.items()}
#: Reasons a removal may give (recorded in the audit log only).
REMOVE_REASONS: Final = ("resubscribed", "manual", "correction")

# --- source labels ---------------------------------------------------------------------

#: Longest source label, in characters.
MAX_SOURCE: Final = 200

# --- column names ----------------------------------------------------------------------

#: Column names that certainly hold an e-mail address, compared after
#: :func:`squash_name` (so ``E-mail adres``, ``EMAIL_ADDRESS`` and ``e_mail`` all
#: match). The filter takes the one column with such a name as the address
#: column, so the set holds only names that mean "e-mail address".
ADDRESS_COLUMN_NAMES: Final = frozenset(
    {
        "email",
        "emailaddress",
        "emailadres",
        "emailadresse",
        "emailaddr",
        "emails",
        "mail",
        "mailadres",
        "mailaddress",
        "mailadresse",
        "courriel",
        "epost",
        "eposta",
        "emailid",
        "contactemail",
        "emailcontact",
        "primaryemail",
    }
)
#: Column names that may hold an address, for the anonymiser, which treats each
#: as an identity: over-inclusion is safe there (a column is emptied), whereas
#: the filter must never take a ``Recipient`` name column for the addresses.
IDENTITY_ADDRESS_NAMES: Final = ADDRESS_COLUMN_NAMES | frozenset(
    {"recipient", "recipientemail", "subscriberemail", "useremail", "ontvanger"}
)
#: Column names that identify a person by id rather than address (anonymiser only).
CONTACT_COLUMN_NAMES: Final = frozenset(
    {
        "contactid",
        "contact",
        "contactnummer",
        "subscriberid",
        "subscriber",
        "recipientid",
        "userid",
        "user",
        "memberid",
        "customerid",
        "klantid",
        "klantnummer",
        "relatieid",
        "relatienummer",
        "personid",
        "profileid",
        "leadid",
        "visitorid",
        "uid",
    }
)
_SQUASH: Final = re.compile(r"[^0-9a-z]+")


def squash_name(label: Hashable) -> str:
    """A column label lower-cased with everything but ASCII letters and digits removed."""
    return _SQUASH.sub("", str(label).lower())


# --- checks ----------------------------------------------------------------------------


def looks_like_address(value: object) -> bool:
    """Whether text holds an at sign in any spelling: ``@``, ``＠``, ``﹫`` or ``%40``.

    Used to keep such text (a column label that is really a person's address,
    an option value) out of messages.
    """
    text = str(value)
    folded = unicodedata.normalize("NFKC", text).lower()
    return "@" in folded or "%40" in folded or "&#64;" in folded


def shown(value: object) -> str:
    """Quote a bad option value for a message, unless it might be an address."""
    if isinstance(value, str) and not looks_like_address(value) and len(value) <= 40:
        return repr(value)
    return f"a {type(value).__name__} value"


def option_code(value: object, table: Mapping[str, int], what: str) -> int:
    """The code of a named option (a scope or a reason).

    Raises:
        InvalidOptionError: ``value`` is not one of the names in ``table``.
    """
    if isinstance(value, str) and value in table:
        return table[value]
    raise InvalidOptionError(
        f"unknown {what} ({shown(value)}); use one of {', '.join(map(repr, table))}"
    )


def channel_scopes(channel: object) -> tuple[int, ...]:
    """The scope codes that block ``channel`` (``None``: any scope).

    Raises:
        InvalidOptionError: an unknown channel.
    """
    if channel is None or (isinstance(channel, str) and channel in CHANNELS):
        return CHANNELS[channel]
    raise InvalidOptionError(
        f"unknown channel ({shown(channel)}); use None (any scope), 'newsletter' or 'post'"
    )


def channel_mask(channel: object) -> int:
    """The scope bits that block ``channel``, for the index (``None``: any scope)."""
    mask = 0
    for code in channel_scopes(channel):
        mask |= code
    return mask


def check_remove_reason(reason: object) -> str:
    """A removal reason, checked.

    Raises:
        InvalidOptionError: not one of :data:`REMOVE_REASONS`.
    """
    if isinstance(reason, str) and reason in REMOVE_REASONS:
        return reason
    choices = ", ".join(map(repr, REMOVE_REASONS))
    raise InvalidOptionError(f"unknown removal reason ({shown(reason)}); use one of {choices}")


def check_source(source: object) -> str | None:
    """A source label for the audit log, checked: it is stored as plain text.

    Raises:
        TypeError: not a str or None.
        InvalidOptionError: empty, too long, unprintable, or holding an ``@``.
    """
    if source is None:
        return None
    if not isinstance(source, str):
        raise TypeError(f"source must be a str or None, not {type(source).__name__}")
    if (
        not source
        or len(source) > MAX_SOURCE
        or looks_like_address(source)
        or not source.isprintable()
    ):
        raise InvalidOptionError(
            f"a source label is 1 to {MAX_SOURCE} printable characters without '@': it is "
            "stored in plain text, and an e-mail address must never be"
        )
    return source

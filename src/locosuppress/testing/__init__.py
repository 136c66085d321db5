"""Hypothesis strategies for locosuppress users and for our own tests.

Use them to property-test code that builds on locosuppress::

    from hypothesis import given
    from locosuppress.testing import emails, messy_variants

    @given(emails().flatmap(lambda e: messy_variants(e).map(lambda v: (e, v))))
    def test_same_person(pair):
        address, variant = pair
        assert normalize_email(variant) == normalize_email(address)

A package by concept: addresses (``_emails``), events (``_events``), mailing
frames (``_frames``), keys and key rings (``_keys``), values a list must
catch (``_listed``), clients' hashed files and wildcard domains
(``_foreign``), retention policies and tables (``_retention``), and
providers' export layouts
(:mod:`locosuppress._provider_strategies`); this module only re-exports.
Layer 5: may import everything below it, never the command line. Hypothesis
comes with the ``testing`` extra (``pip install 'locosuppress[testing]'``);
without it, importing this module raises
:class:`~locosuppress.errors.MissingExtraError` naming the extra.
"""

from __future__ import annotations

try:
    import hypothesis  # noqa: F401  (the extra's presence, checked once)
except ImportError as error:  # pragma: no cover - exercised in a subprocess without Hypothesis
    from locosuppress.errors import MissingExtraError

    raise MissingExtraError(
        "locosuppress.testing needs Hypothesis; install the 'testing' extra: "
        "pip install 'locosuppress[testing]'"
    ) from error

# isort: split
from locosuppress._provider_strategies import (
    PROVIDER_FORMATS as PROVIDER_FORMATS,
)
from locosuppress._provider_strategies import (
    ProviderExport as ProviderExport,
)
from locosuppress._provider_strategies import (
    mailchimp_zip as mailchimp_zip,
)
from locosuppress._provider_strategies import (
    provider_exports as provider_exports,
)
from locosuppress.testing._emails import (
    emails as emails,
)
from locosuppress.testing._emails import (
    invalid_emails as invalid_emails,
)
from locosuppress.testing._emails import (
    messy_variants as messy_variants,
)
from locosuppress.testing._events import (
    EVENT_TIMESTAMP_KINDS as EVENT_TIMESTAMP_KINDS,
)
from locosuppress.testing._events import (
    event_frames as event_frames,
)
from locosuppress.testing._events import (
    event_wall_times as event_wall_times,
)
from locosuppress.testing._foreign import (
    FOREIGN_KINDS as FOREIGN_KINDS,
)
from locosuppress.testing._foreign import (
    ForeignFile as ForeignFile,
)
from locosuppress.testing._foreign import (
    client_digest as client_digest,
)
from locosuppress.testing._foreign import (
    digest_spellings as digest_spellings,
)
from locosuppress.testing._foreign import (
    foreign_files as foreign_files,
)
from locosuppress.testing._foreign import (
    invalid_digests as invalid_digests,
)
from locosuppress.testing._foreign import (
    wildcard_subdomains as wildcard_subdomains,
)
from locosuppress.testing._foreign import (
    wildcard_suffixes as wildcard_suffixes,
)
from locosuppress.testing._frames import (
    address_values as address_values,
)
from locosuppress.testing._frames import (
    mailing_frames as mailing_frames,
)
from locosuppress.testing._keys import (
    key_rings as key_rings,
)
from locosuppress.testing._keys import (
    suppression_keys as suppression_keys,
)
from locosuppress.testing._listed import (
    listed_values as listed_values,
)
from locosuppress.testing._retention import (
    RETENTION_DATE_KINDS as RETENTION_DATE_KINDS,
)
from locosuppress.testing._retention import (
    RETENTION_KINDS as RETENTION_KINDS,
)
from locosuppress.testing._retention import (
    retention_policies as retention_policies,
)
from locosuppress.testing._retention import (
    retention_tables as retention_tables,
)

__all__ = [
    "EVENT_TIMESTAMP_KINDS",
    "FOREIGN_KINDS",
    "PROVIDER_FORMATS",
    "RETENTION_DATE_KINDS",
    "RETENTION_KINDS",
    "ForeignFile",
    "ProviderExport",
    "address_values",
    "client_digest",
    "digest_spellings",
    "emails",
    "event_frames",
    "event_wall_times",
    "foreign_files",
    "invalid_digests",
    "invalid_emails",
    "key_rings",
    "listed_values",
    "mailchimp_zip",
    "mailing_frames",
    "messy_variants",
    "provider_exports",
    "retention_policies",
    "retention_tables",
    "suppression_keys",
    "wildcard_subdomains",
    "wildcard_suffixes",
]

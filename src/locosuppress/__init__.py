"""locosuppress: keep a mailing company's privacy promises in code.

* a permanent suppression list of keyed hashes (never addresses),
* filtering of imported mailing databases against it, with a report,
* anonymisation of open and click events after 12 months,
* the retention schedule: the privacy policy's other periods as rules.

See README.md and docs/ for the why; ``docs/hash-contract.md`` for the
byte-exact normalisation and hashing rules.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from locosuppress.errors import (
    IncompatibleExportError,
    InsecureKeyFileError,
    InvalidDomainError,
    InvalidEmailError,
    InvalidKeyError,
    InvalidOptionError,
    KeyMismatchError,
    ListChangedError,
    ListClosedError,
    ListCorruptedError,
    ListLockedError,
    ListNotFoundError,
    ListStorageError,
    LocosuppressError,
    MailingFileError,
    MailingFileNotFoundError,
    MissingExtraError,
    NotASuppressionListError,
    OutputExistsError,
    PolicyError,
    PolicyFileNotFoundError,
    ReadOnlyListError,
    RetentionCoverageError,
    SchemaError,
    UnsupportedFormatError,
)
from locosuppress.keys import HashingMaterial, KeyRing, SuppressionKey
from locosuppress.normalize import (
    NORMALIZATION_VERSION,
    normalize_domain,
    normalize_email,
    normalize_emails,
)

# -- section: store (issue 3) --
from locosuppress.store import (
    AddReport,
    ExportReport,
    ListStats,
    RotationReport,
    SuppressionList,
    VerifyReport,
)

# -- end section: store --
# -- section: io (issue 4) --
# isort: split
from locosuppress.io import read_mailing_file, write_mailing_file

# -- end section: io --
# -- section: filtering (issue 4) --
# isort: split
from locosuppress import accessor as _accessor  # noqa: F401  (registers df.locosuppress)
from locosuppress.filtering import FilterReport, FilterResult, find_address_column

# -- end section: filtering --
# -- section: events (issue 5) --
# isort: split
from locosuppress.events import (
    AnonymisationReport,
    AnonymisationResult,
    anonymise_events,
    anonymize_events,
    erase_contact,
)

# -- end section: events --
# -- section: retention (issue 14) --
# isort: split
from locosuppress.retention import (
    RetentionCoverageWarning,
    RetentionPolicy,
    RetentionReport,
    RetentionResult,
    RetentionRule,
)

# -- end section: retention --
# -- section: interop (issue 12) --
# isort: split
from locosuppress.interop import (
    SuppressionExport,
    SuppressionExportReport,
    read_events,
    read_suppressions,
)

# -- end section: interop --

try:
    __version__ = version("locosuppress")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    from locosuppress._version import __version__

__all__ = [
    "NORMALIZATION_VERSION",
    "AddReport",
    "AnonymisationReport",
    "AnonymisationResult",
    "ExportReport",
    "FilterReport",
    "FilterResult",
    "HashingMaterial",
    "IncompatibleExportError",
    "InsecureKeyFileError",
    "InvalidDomainError",
    "InvalidEmailError",
    "InvalidKeyError",
    "InvalidOptionError",
    "KeyMismatchError",
    "KeyRing",
    "ListChangedError",
    "ListClosedError",
    "ListCorruptedError",
    "ListLockedError",
    "ListNotFoundError",
    "ListStats",
    "ListStorageError",
    "LocosuppressError",
    "MailingFileError",
    "MailingFileNotFoundError",
    "MissingExtraError",
    "NotASuppressionListError",
    "OutputExistsError",
    "PolicyError",
    "PolicyFileNotFoundError",
    "ReadOnlyListError",
    "RetentionCoverageError",
    "RetentionCoverageWarning",
    "RetentionPolicy",
    "RetentionReport",
    "RetentionResult",
    "RetentionRule",
    "RotationReport",
    "SchemaError",
    "SuppressionExport",
    "SuppressionExportReport",
    "SuppressionKey",
    "SuppressionList",
    "UnsupportedFormatError",
    "VerifyReport",
    "__version__",
    "anonymise_events",
    "anonymize_events",
    "erase_contact",
    "find_address_column",
    "normalize_domain",
    "normalize_email",
    "normalize_emails",
    "read_events",
    "read_mailing_file",
    "read_suppressions",
    "write_mailing_file",
]

"""The exception tree.

Every error locosuppress raises on purpose is a :class:`LocosuppressError`.
Each subclass also inherits the built-in exception a Python programmer would
expect (``ValueError`` for bad values, ``OSError`` for files, ...), so generic
``except ValueError`` code keeps working. Messages say what was wrong and what
to do next; they never contain an e-mail address or key material.
"""

from __future__ import annotations

__all__ = [
    "IncompatibleExportError",
    "InsecureKeyFileError",
    "InvalidDomainError",
    "InvalidEmailError",
    "InvalidKeyError",
    "InvalidOptionError",
    "KeyMismatchError",
    "ListChangedError",
    "ListClosedError",
    "ListCorruptedError",
    "ListLockedError",
    "ListNotFoundError",
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
    "SchemaError",
    "UnsupportedFormatError",
]


class LocosuppressError(Exception):
    """Base class of every error locosuppress raises on purpose."""


class InvalidEmailError(LocosuppressError, ValueError):
    """A value is not an e-mail address under the normalisation rules.

    ``rule`` names the rule of the hash contract that failed (for example
    ``"5-one-at"``), so callers can count failures by cause.
    """

    def __init__(self, message: str, *, rule: str = "invalid") -> None:
        super().__init__(message)
        self.rule = rule


class InvalidDomainError(LocosuppressError, ValueError):
    """A value is not a domain name under rule 6 of the hash contract."""

    def __init__(self, message: str, *, rule: str = "invalid") -> None:
        super().__init__(message)
        self.rule = rule


class InvalidOptionError(LocosuppressError, ValueError):
    """An option has a value that is not one of the documented choices."""


class InvalidKeyError(LocosuppressError, ValueError):
    """Key material is missing, malformed or of the wrong length."""


class InsecureKeyFileError(LocosuppressError, PermissionError):
    """A key file can be read by group or others; fix its mode first."""


class KeyMismatchError(LocosuppressError):
    """The key does not belong to this suppression list or export file.

    Deliberately says nothing about the expected key beyond its public
    fingerprint.
    """


class NotASuppressionListError(LocosuppressError, ValueError):
    """The file exists but is not a locosuppress suppression list."""


class UnsupportedFormatError(LocosuppressError, RuntimeError):
    """The file was written by a newer locosuppress; upgrade to read it."""


class ListNotFoundError(LocosuppressError, FileNotFoundError):
    """The suppression list (or its folder) does not exist."""


class ReadOnlyListError(LocosuppressError, PermissionError):
    """A write was attempted on a list opened read-only or not writable."""


class ListCorruptedError(LocosuppressError, OSError):
    """The list file is damaged or cannot be read by SQLite."""


class ListStorageError(LocosuppressError, OSError):
    """SQLite could not complete an operation on the list (a full disk, above all).

    The transaction was rolled back: nothing of the failed call was stored.
    """


class ListClosedError(LocosuppressError, ValueError):
    """The suppression list was closed; open it again."""


class ListChangedError(LocosuppressError, RuntimeError):
    """The list changed, or was closed, after a lazy computation against it was built.

    A Dask filter graph holds the list's index as it was when the graph was
    built; build it again to filter against the list as it is now.
    """


class ListLockedError(LocosuppressError, TimeoutError):
    """Another process held the list's write lock for too long."""


class IncompatibleExportError(LocosuppressError, ValueError):
    """An export file was made under another key or rule set."""


class SchemaError(LocosuppressError, ValueError):
    """A DataFrame or file lacks a needed column, or has it ambiguously."""


class MailingFileError(LocosuppressError, ValueError):
    """A mailing file (CSV or Excel) could not be read or written."""


class MailingFileNotFoundError(MailingFileError, FileNotFoundError):
    """A mailing file to read does not exist."""


class MissingExtraError(LocosuppressError, ImportError):
    """An optional dependency is missing; the message names the extra to install."""


class OutputExistsError(LocosuppressError, FileExistsError):
    """Refusing to overwrite an existing file."""


class PolicyError(LocosuppressError, ValueError):
    """A retention policy cannot be built: overlapping rules, a bad period, an unknown action.

    Also raised for a policy file that is not valid TOML or does not follow the
    schema; the message names the rule (or the line) and what to change.
    """


class PolicyFileNotFoundError(PolicyError, FileNotFoundError):
    """A retention policy file to read does not exist."""


class RetentionCoverageError(LocosuppressError, ValueError):
    """Rows that no rule of the retention policy governs, with ``ungoverned="error"``.

    ``report`` holds the :class:`~locosuppress.RetentionReport` of the run
    (counts and row positions, never values), so the caller can show what
    is not covered. Add a rule for those rows, or pass ``ungoverned="keep"``.
    """

    def __init__(self, message: str, *, report: object = None) -> None:
        super().__init__(message)
        self.report = report

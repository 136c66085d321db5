"""Mailing files: read and write CSV (sniffed), Excel ``.xlsx`` and JSON, every value as text.

Layer 3: may import ``errors``, ``_vocabulary``, ``_fs``, ``_compat``,
``reports``, ``normalize`` and ``keys``; never ``filtering``, ``events``,
``store`` or anything above them.

:func:`read_mailing_file` returns every column as text, exactly as written in
the file: ``0123 AB``, ``0612345678``, ``NA`` and ``Null`` stay strings, an
empty cell is an empty string, and no value ever becomes missing (``NaN``).
What it found (format, encoding, delimiter, sheet) is kept in
``frame.attrs["locosuppress"]`` (:data:`ATTRS_KEY`) so that
:func:`write_mailing_file` writes the result back the same way, atomically.
Error messages name the file and the problem, and never contain a value from
the file; they give positions instead.

Modules: ``_read`` (the reading entry point and CSV), ``_sniff`` (encoding,
delimiter and header-name detection on a sample), ``_xlsx`` (workbooks, with
the ``excel`` extra), ``_json`` (JSON arrays and JSON Lines, told by
content), ``_write`` (the writing entry point, CSV and the atomic write).
"""

from __future__ import annotations

from locosuppress.io._read import ATTRS_KEY, read_mailing_file
from locosuppress.io._write import write_mailing_file

__all__ = ["ATTRS_KEY", "read_mailing_file", "write_mailing_file"]

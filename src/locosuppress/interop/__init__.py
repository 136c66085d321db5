"""Providers' exports as they come: Mailchimp, SendGrid, Amazon SES, Mailgun, Brevo, listmonk.

Layer 3b (interop): above ``io``, ``events`` and ``filtering`` (it reads
files through :mod:`locosuppress.io` and finds address columns as the filter
does), below ``store`` (which adds a :class:`SuppressionExport` to a list).
It never imports the store and writes no file.

* :func:`read_suppressions` reads a provider's suppression export (CSV, TSV,
  ``.xlsx``, JSON, JSON Lines, Mailchimp's ``.zip``) into a
  :class:`SuppressionExport`: the suppressions with our reasons, scopes and
  the provider's own dates, and a report of every row read.
* :func:`read_events` reads a provider's event export into one shape
  (``timestamp``, ``event``, ``email``, ``campaign``, ``url``, the rest kept),
  ready for :func:`locosuppress.anonymise_events`.

Modules: ``_tables`` (files into tables), ``_layout`` (what a layout is),
one module per provider (``_mailchimp``, ``_sendgrid``, ``_ses``,
``_mailgun``, ``_brevo``, ``_listmonk``, ``_generic``), ``_detect`` (which
layout), ``_dates`` (strict dates), ``_read`` (the entry point), ``_export``
(the result value and its report), ``_events`` (event exports).
"""

from __future__ import annotations

from locosuppress.interop._detect import FORMATS
from locosuppress.interop._events import EVENT_FORMATS, read_events
from locosuppress.interop._export import SuppressionExport, SuppressionExportReport
from locosuppress.interop._read import read_suppressions

__all__ = [
    "EVENT_FORMATS",
    "FORMATS",
    "SuppressionExport",
    "SuppressionExportReport",
    "read_events",
    "read_suppressions",
]

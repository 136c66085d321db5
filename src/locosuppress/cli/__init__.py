"""The ``locosuppress`` command (also ``python -m locosuppress``).

Layer 6, the top: it may import every other part of locosuppress, and nothing
imports it (but ``__main__``). One module per command group holds both its
parser and its handler, and exposes ``register(subparsers, shared)``:

* :mod:`~locosuppress.cli.key`: ``key new``, ``key fingerprint``;
* :mod:`~locosuppress.cli.entries`: ``init``, ``add``, ``add-domain``,
  ``remove``, ``remove-domain``;
* :mod:`~locosuppress.cli.filter`: ``filter``;
* :mod:`~locosuppress.cli.anonymise`: ``anonymise``;
* :mod:`~locosuppress.cli.maintenance`: ``stats``, ``audit``, ``verify``,
  ``backup``, ``export``, ``merge``;
* :mod:`~locosuppress.cli.demo`: ``demo``, the whole flow on generated data.

Beside them: ``_options`` (the options commands share, built once, and the
checks of option values), ``_console`` (output, progress, hiding secrets),
``_files`` (the key, the list, output paths, JSON), ``_times`` (timestamps in
text files) and ``_app`` (the parser as a whole and :func:`main`).
``docs/command-line.md`` is the manual.

Conventions, the same for every subcommand:

* options may stand before or after the positional arguments;
* the key comes from ``--key-file PATH`` or ``LOCOSUPPRESS_KEY``, never from
  an argument (shell history and process lists would keep it);
* exit status 0 on success, 1 when the data or the list fails (one line on
  standard error, no traceback unless ``--debug``), 2 for wrong usage, 130
  when interrupted; no message ever shows an e-mail address;
* reports go to standard output as aligned text, or as JSON with ``--json``;
  progress goes to standard error, and only when it is a terminal.
"""

from __future__ import annotations

from locosuppress.cli._app import build_parser, main

__all__ = ["build_parser", "main"]

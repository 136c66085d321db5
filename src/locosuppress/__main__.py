"""``python -m locosuppress``: the same as the ``locosuppress`` command."""

from __future__ import annotations

import sys

from locosuppress.cli import main

if __name__ == "__main__":
    sys.exit(main())

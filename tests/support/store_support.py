"""Helpers shared by the suppression-list tests (tests/store/), importable as ``store_support``.

pytest puts ``tests/support`` on ``sys.path`` (``pythonpath`` in pyproject.toml).
"""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha(path: Path) -> str:
    """SHA-256 of a file's bytes (to show a file was left untouched)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()

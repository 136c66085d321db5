"""docs/api.md documents every public name, and only names that exist.

The page has one or more ``## `module` ...`` sections per module and one
``### `name` `` heading per public name. A public class's own public methods,
properties and fields must each appear in backticks within its entry, so a
new method cannot be added without a line of documentation.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
import types
from pathlib import Path

import pytest

API_PAGE = Path(__file__).parent.parent / "docs" / "api.md"
MODULES = (
    "locosuppress",
    "locosuppress.testing",
    "locosuppress.plotting",
    "locosuppress.demo",
    "locosuppress.dask",
    "locosuppress.retention",
)


def public_names(module: types.ModuleType) -> list[str]:
    """``__all__``, else the names the module defines itself without a leading underscore."""
    declared = getattr(module, "__all__", None)
    if declared is not None:
        return list(declared)
    return sorted(
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and getattr(value, "__module__", None) == module.__name__
    )


def documented() -> dict[str, dict[str, str]]:
    """Per module: each ``### `name` `` entry of docs/api.md and its text."""
    text = API_PAGE.read_text(encoding="utf-8")
    sections: dict[str, dict[str, str]] = {}
    module: str | None = None
    name: str | None = None
    for line in text.splitlines():
        heading = re.match(r"^(#{2,3}) (.*)$", line)
        if heading:
            ticked = re.match(r"`([\w.]+)`", heading[2])
            if heading[1] == "##":
                module = ticked[1] if ticked else None
                name = None
                if module is not None:
                    sections.setdefault(module, {})
            else:
                name = ticked[1] if ticked and module is not None else None
                if name is not None and module is not None:
                    sections[module][name] = ""
            continue
        if module is not None and name is not None:
            sections[module][name] += line + "\n"
    return sections


def members(cls: type) -> list[str]:
    """A class's own public attributes: methods, properties, attrs fields (slots)."""
    return sorted(name for name in vars(cls) if not name.startswith("_"))


def load(module_name: str) -> types.ModuleType:
    """Import a module, or skip when it (or its optional dependency) is not there yet."""
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            pytest.skip(f"{module_name} does not exist (yet)")
        pytest.skip(f"{module_name} needs {exc.name}, which is not installed")
    except ImportError as exc:  # a module that names the extra it needs
        if module_name == "locosuppress.dask" and importlib.util.find_spec("distributed"):
            raise  # the extra is installed: an ImportError is our bug, not a skip
        pytest.skip(f"{module_name} cannot be imported here: {exc}")
    raise AssertionError("unreachable")  # pragma: no cover


class TestApiPage:
    """docs/api.md is complete and current."""

    @pytest.mark.parametrize("module_name", MODULES)
    def test_every_public_name_is_documented(self, module_name: str) -> None:
        """Each public name has a ``### `name` `` entry in its module's section."""
        module = load(module_name)
        entries = documented().get(module_name, {})
        missing = [name for name in public_names(module) if name not in entries]
        assert [] == missing, f"add these to docs/api.md under ## `{module_name}`"

    @pytest.mark.parametrize("module_name", MODULES)
    def test_every_public_member_is_mentioned(self, module_name: str) -> None:
        """Each public class's methods, properties and fields appear in its entry."""
        module = load(module_name)
        entries = documented().get(module_name, {})
        missing: list[str] = []
        for name in public_names(module):
            value = getattr(module, name)
            if not inspect.isclass(value) or issubclass(value, BaseException):
                continue
            text = entries.get(name, "")
            for member in members(value):
                if not re.search(rf"`[^`\n]*\b{re.escape(member)}\b[^`\n]*`", text):
                    missing.append(f"{name}.{member}")
        assert [] == missing, "mention these in their class's entry in docs/api.md"

    @pytest.mark.parametrize("module_name", MODULES)
    def test_no_stale_entries(self, module_name: str) -> None:
        """Every documented name still exists in its module."""
        module = load(module_name)
        stale = [name for name in documented().get(module_name, {}) if not hasattr(module, name)]
        assert [] == stale, f"remove or rename these in docs/api.md under ## `{module_name}`"

    def test_page_has_a_section_per_module(self) -> None:
        """Every module in scope has a section, even before it exists."""
        assert set(MODULES) <= set(documented())

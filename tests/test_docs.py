"""The documentation lists every public name, and its quick start is the README's.

Like scikit-fingerprints' ``tests/docs_tests.py``: walk skcontrast's public
subpackages (and the public modules ``losses``, ``metrics``, ``plotting``), read
each one's ``__all__``, and require an autosummary entry for every name under
the matching ``.. currentmodule::`` in ``docs/api.rst``. A subpackage whose
import fails because an optional extra is missing is skipped, with its name in
the skip reason.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import skcontrast

ROOT = Path(__file__).resolve().parents[1]
API_RST = ROOT / "docs" / "api.rst"
INDEX_RST = ROOT / "docs" / "index.rst"
PUBLIC_MODULES = {"losses", "metrics", "plotting"}


def _public_module_names() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(skcontrast.__path__, prefix="skcontrast."):
        parts = info.name.split(".")
        if any(part.startswith("_") for part in parts):
            continue
        if info.ispkg or (len(parts) == 2 and parts[1] in PUBLIC_MODULES):
            names.append(info.name)
    return sorted(names)


def documented_names(text: str) -> set[tuple[str, str]]:
    """``(module, name)`` for every entry of every autosummary table in ``text``.

    Entries count only inside an ``.. autosummary::`` directive at the start of
    a line, under the module set by the last ``.. currentmodule::``; names in
    comments or prose do not count.
    """
    found: set[tuple[str, str]] = set()
    module = None
    in_table = False
    for line in text.splitlines():
        if line.startswith(".. currentmodule::"):
            module = line.split("::", 1)[1].strip()
            in_table = False
        elif line.startswith(".. autosummary::"):
            in_table = True
        elif in_table and line and not line[0].isspace():
            in_table = False
        elif in_table and line.strip() and not line.strip().startswith(":"):
            entry = line.strip()
            if entry.startswith("~"):
                entry = entry[1:]
            if "." in entry:
                mod, _, name = entry.rpartition(".")
                found.add((mod, name))
            else:
                found.add((module, entry))
    return found


def test_documented_names_parses_only_autosummary_entries():
    text = (
        ".. currentmodule:: pkg.a\n\nSome ``Foo`` in prose.\n\n"
        ".. autosummary::\n   :toctree: generated/\n\n   Foo\n   pkg.b.bar\n\n"
        "Back to prose Baz.\n\n..\n   .. autosummary::\n\n      Hidden\n"
    )
    assert documented_names(text) == {("pkg.a", "Foo"), ("pkg.b", "bar")}


@pytest.mark.parametrize("module_name", _public_module_names())
def test_every_public_name_is_in_api_rst(module_name):
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:  # an optional extra (e.g. matplotlib) is missing
        pytest.skip(f"{module_name} needs an optional dependency that is missing: {exc}")
    documented = documented_names(API_RST.read_text(encoding="utf-8"))
    missing = sorted(
        name for name in getattr(module, "__all__", ()) if (module_name, name) not in documented
    )
    assert not missing, (
        f"docs/api.rst has no autosummary entry for {module_name}: {missing}; add them under "
        f"'.. currentmodule:: {module_name}'"
    )


def test_api_rst_documents_nothing_that_does_not_exist():
    checked = 0
    for module_name, name in sorted(documented_names(API_RST.read_text(encoding="utf-8"))):
        try:
            module = importlib.import_module(module_name)
        except ImportError:  # an optional extra is missing; the build needs it, not this test
            continue
        assert name in getattr(module, "__all__", ()), f"{module_name}.{name} is not public"
        checked += 1
    assert checked > 0


def test_index_quick_start_is_the_readme_block():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.findall(r"```python\n(.*?)```", readme, flags=re.S)[0]
    index = INDEX_RST.read_text(encoding="utf-8")
    match = re.search(r"\.\. code-block:: python\n\n((?:   .*\n|\n)+)", index)
    assert match, "docs/index.rst has no python code block"
    code = "\n".join(line[3:] for line in match.group(1).splitlines()).strip("\n")
    assert code == block.strip("\n"), "docs/index.rst's quick start differs from README.md's"


def python_blocks(text: str) -> list[str]:
    """The ``.. code-block:: python`` blocks of a reST page, dedented, in order.

    A block with the option ``:class: fragment`` is a snippet, not a program,
    and is left out.
    """
    blocks = []
    pattern = r"^\.\. code-block:: python\n((?:   :.*\n)*)\n((?:   .*\n|\n)+)"
    for match in re.finditer(pattern, text, flags=re.M):
        if "fragment" in match.group(1):
            continue
        lines = [line[3:] for line in match.group(2).splitlines()]
        blocks.append("\n".join(lines).strip("\n") + "\n")
    return blocks


USER_GUIDE = [
    page
    for page in sorted((ROOT / "docs" / "user_guide").glob("*.rst"))
    if python_blocks(page.read_text(encoding="utf-8"))
]


@pytest.mark.slow
@pytest.mark.filterwarnings("error::UserWarning")  # a documented snippet runs cleanly
@pytest.mark.parametrize("page", USER_GUIDE, ids=[p.stem for p in USER_GUIDE])
def test_user_guide_code_runs(page, tmp_path, monkeypatch):
    """Each page's python blocks run, in order, in one namespace (a page is one session).

    A block whose import names a skcontrast subpackage not written yet skips the
    page with that reason; any other error fails.
    """
    blocks = python_blocks(page.read_text(encoding="utf-8"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SKCONTRAST_FAST", "1")
    namespace: dict = {"__name__": f"docs_{page.stem}"}
    for i, block in enumerate(blocks):
        try:
            exec(compile(block, f"{page.name}[block {i}]", "exec"), namespace)
        except ImportError as exc:
            if "skcontrast" in str(exc) or getattr(exc, "name", "") in {"matplotlib"}:
                pytest.skip(f"{page.name} block {i} needs code that is not here yet: {exc}")
            raise

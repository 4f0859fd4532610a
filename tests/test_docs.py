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
import importlib.util
import pkgutil
import re
import sys
import types
from pathlib import Path

import pytest

import skcontrast

ROOT = Path(__file__).resolve().parents[1]
API_RST = ROOT / "docs" / "api.rst"
INDEX_RST = ROOT / "docs" / "index.rst"
PUBLIC_MODULES = {"losses", "metrics", "model_selection", "plotting"}
PUBLIC_SUBMODULES = {"skcontrast.utils.estimator_checks"}


def _public_module_names() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(skcontrast.__path__, prefix="skcontrast."):
        parts = info.name.split(".")
        if any(part.startswith("_") for part in parts):
            continue
        if (
            info.ispkg
            or (len(parts) == 2 and parts[1] in PUBLIC_MODULES)
            or info.name in PUBLIC_SUBMODULES
        ):
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


def _load(name: str):
    """A helper module of docs/measure/ (the docs build uses the same ones)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "docs" / "measure" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


run_page = _load("run_page")
python_blocks = run_page.python_blocks


def test_python_blocks_leaves_out_fragments_and_other_languages():
    text = (
        ".. code-block:: python\n\n   a = 1\n\n   b = 2\n\nProse.\n\n"
        ".. code-block:: python\n   :class: fragment\n\n   make_pipeline(...)\n\n"
        ".. code-block:: bash\n\n   make docs\n"
    )
    assert python_blocks(text) == ["a = 1\n\nb = 2\n"]


# recipes.rst runs in test_recipes_statements_hold, which also checks its prose.
USER_GUIDE = [
    page
    for page in [
        *sorted((ROOT / "docs" / "user_guide").glob("*.rst")),
        ROOT / "docs" / "developers.rst",
    ]
    if python_blocks(page.read_text(encoding="utf-8")) and page.stem != "recipes"
]


@pytest.mark.slow
@pytest.mark.filterwarnings("error::UserWarning")  # a documented snippet runs cleanly
@pytest.mark.parametrize("page", USER_GUIDE, ids=[p.stem for p in USER_GUIDE])
def test_user_guide_code_runs(page, tmp_path, monkeypatch):
    """Each page's python blocks run, in order, in one namespace (a page is one session);
    developers.rst's examples each run alone, in a fresh module.

    A block whose import names a skcontrast subpackage not written yet skips the
    page with that reason; any other error fails.
    """
    blocks = python_blocks(page.read_text(encoding="utf-8"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SKCONTRAST_FAST", "1")
    # a real module, so that classes and functions a page defines pickle as a
    # user's own module's would
    module = types.ModuleType(f"docs_{page.stem}")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    namespace = module.__dict__
    for i, block in enumerate(blocks):
        if page.stem == "developers":  # each example stands alone: a fresh module
            module = types.ModuleType(f"docs_{page.stem}_{i}")
            monkeypatch.setitem(sys.modules, module.__name__, module)
            namespace = module.__dict__
        try:
            exec(compile(block, f"{page.name}[block {i}]", "exec"), namespace)
        except ImportError as exc:
            if "skcontrast" in str(exc) or getattr(exc, "name", "") in {"matplotlib"}:
                pytest.skip(f"{page.name} block {i} needs code that is not here yet: {exc}")
            raise


def _scores(printed: str) -> dict[str, tuple[float, float]]:
    """``{model: (auc, accuracy)}`` from the lines the recipes page prints."""
    scores = {}
    for line in printed.splitlines():
        match = re.match(r"(.+?)\s+AUC (\d\.\d+)\s+accuracy (\d\.\d+)$", line)
        if match:
            scores[match.group(1)] = (float(match.group(2)), float(match.group(3)))
    return scores


@pytest.mark.slow
@pytest.mark.filterwarnings("error::UserWarning")
def test_recipes_statements_hold(tmp_path, monkeypatch):
    """recipes.rst runs, and its prose about the printed table is true.

    The page says neither contrastive probe beats the raw baseline on 4 reaction
    conditions, and that the linear-encoder probe ties it.
    """
    monkeypatch.chdir(tmp_path)
    _, printed = run_page.run_page(ROOT / "docs" / "user_guide" / "recipes.rst")
    scores = _scores(printed)
    assert set(scores) == {
        "raw features + LogReg",
        "probe, linear encoder",
        "probe, one hidden layer",
    }, printed
    raw_auc, raw_acc = scores["raw features + LogReg"]
    linear_auc, linear_acc = scores["probe, linear encoder"]
    hidden_auc, _ = scores["probe, one hidden layer"]
    assert abs(linear_auc - raw_auc) <= 0.002 and abs(linear_acc - raw_acc) <= 0.005
    assert hidden_auc <= raw_auc + 0.002


@pytest.mark.slow
def test_near_identical_spectra_statements_hold():
    """The recipe's measured table supports what recipes.rst says about it."""
    result = _load("near_identical_spectra").measure()
    mild, lab, preprocessed = result["runs"]
    chance = mild["chance"]
    # lab-variability views on raw spectra: the loss sits at chance and the embedder warns
    assert lab["final_loss"] >= 0.97 * chance and lab["warned"]
    # mild views on raw spectra: the loss goes well down, yet the probe is at chance
    assert mild["final_loss"] <= 0.8 * chance and not mild["warned"]
    assert mild["probe"] <= 0.6 and lab["probe"] <= 0.6
    # after SNV + derivative + scaling: a probe above 0.95; the plain baseline at least as good
    assert preprocessed["probe"] > 0.95 and not preprocessed["warned"]
    assert result["baseline_chemometric"] >= preprocessed["probe"]

"""Sphinx configuration of the skcontrast documentation.

Modelled on imbalanced-learn's ``doc/conf.py``: numpydoc docstrings, autosummary
stub pages generated under ``docs/generated/`` (git-ignored), a sphinx-gallery
of ``examples/`` rendered under ``docs/auto_examples/`` (git-ignored) and the
pydata theme.

The build needs no network: there is no intersphinx mapping and nothing remote
is fetched. Build it from the repository root with::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

``-D plot_gallery=0`` renders the gallery pages without running the examples.
"""

from __future__ import annotations

import linecache
import os
import re
import sys
import warnings
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent

# Document the checkout this file belongs to, not an installed copy.
sys.path.insert(0, str(ROOT))

# The examples read SKCONTRAST_FAST to shrink their epochs, and write their
# figures to SKCONTRAST_OUTPUT: keep those outside the source tree.
os.environ["SKCONTRAST_FAST"] = "1"
os.environ.setdefault("SKCONTRAST_OUTPUT", str(DOCS / "_build" / "example_output"))
os.environ.setdefault("MPLBACKEND", "Agg")


# Gallery pages show what an example printed, warnings included. Python writes
# a warning with the absolute path of the file that raised it; published, that
# would show this machine's build folders. Examples print saved files relative
# to their working folder (their ``shown`` helper); warnings name files
# relative to the repository root, or to site-packages, or by their name.
def _published_path(filename: str) -> str:
    path = Path(filename)
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except (ValueError, OSError):
        pass
    if "site-packages" in path.parts:
        return "/".join(path.parts[path.parts.index("site-packages") + 1 :])
    return path.name


_formatwarning = warnings.formatwarning


def _formatwarning_without_build_paths(message, category, filename, lineno, line=None):
    if line is None:  # read the source line while the real path is known
        line = linecache.getline(filename, lineno)
    return _formatwarning(message, category, _published_path(filename), lineno, line)


warnings.formatwarning = _formatwarning_without_build_paths

import skcontrast  # noqa: E402

# -- Project -----------------------------------------------------------------

project = "skcontrast"
author = "skcontrast developers"
copyright = "skcontrast developers"
release = skcontrast.__version__
version = ".".join(release.split(".")[:2])

# -- General -----------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "matplotlib.sphinxext.plot_directive",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "_templates", "Thumbs.db", ".DS_Store"]
root_doc = "index"
source_suffix = {".rst": "restructuredtext"}
default_role = "literal"
add_function_parentheses = False
pygments_style = "sphinx"

# No intersphinx: the build must work offline.


# -- autodoc / autosummary ---------------------------------------------------

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": True}
autodoc_typehints = "none"  # numpydoc already states the types

# -- numpydoc ----------------------------------------------------------------

numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
# Conservative numpydoc validation: only structural checks that every public
# docstring passes today (a summary line, known sections in the right order,
# no documented parameter that does not exist, parameters in signature order,
# no space before a colon, capitalised returns). Stricter ones (PR01/PR07
# parameters without a description, SA01 See Also, EX01 Examples...) fail for
# some docstrings and are left to their authors; audit with
# ``python -m numpydoc lint skcontrast/augment/_spectra.py`` (one file or more).
numpydoc_validation_checks = {"SS01", "GL06", "GL07", "PR02", "PR03", "PR10", "RT04"}

# -- sphinx-gallery ----------------------------------------------------------

# Examples the build cannot run yet, each with the reason; they are left out of
# the gallery until the reason is fixed in the example (then delete the entry).
EXAMPLES_NOT_RUN: dict[str, str] = {}
# sphinx-gallery matches ignore_pattern against the bare file name.
_IGNORED = [r"__init__\.py", r"^_"] + [
    "^" + re.escape(path.rsplit("/", 1)[-1]) + "$" for path in EXAMPLES_NOT_RUN
]
for _path, _reason in EXAMPLES_NOT_RUN.items():
    print(f"skcontrast docs: examples/{_path} is left out of the gallery: {_reason}")

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": "|".join(_IGNORED),
    "doc_module": ("skcontrast",),
    "reference_url": {"skcontrast": None},
    "backreferences_dir": "generated/backreferences",
    "inspect_global_variables": False,
    "remove_config_comments": True,
    "show_memory": False,
    "plot_gallery": "True",
    "download_all_examples": False,
    "matplotlib_animations": False,
    "min_reported_time": 5,
    "write_computation_times": False,
}

# -- matplotlib's plot directive (figures drawn at build time) --------------------

plot_formats = [("png", 100)]
plot_html_show_formats = False
plot_html_show_source_link = False
plot_rcparams = {"savefig.bbox": "tight"}

# -- HTML --------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"skcontrast {release}"
html_theme_options = {
    "navbar_end": ["theme-switcher", "navbar-icon-links"],
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_sidebars = {"index": [], "install": [], "whats_new": []}
html_show_sourcelink = False
html_static_path: list[str] = []
html_copy_source = False

# -- Members shown on class pages ----------------------------------------------

# Class pages list the methods skcontrast defines (including those inherited
# from skcontrast base classes) plus the scikit-learn methods a user calls
# directly. Members inherited from torch.nn.Module and the rest of
# scikit-learn's mixins are left to those projects' documentation (their
# docstrings cross-reference labels that only exist in their own sites).
_FOREIGN_MEMBERS_SHOWN = {"fit_transform", "get_feature_names_out", "get_params", "set_params"}


def _skip_foreign_member(app, what, name, obj, skip, options):
    if what != "class" or skip:
        return None
    module = getattr(obj, "__module__", None) or getattr(
        getattr(obj, "fget", None), "__module__", None
    )
    if module is None or module.startswith("skcontrast"):
        return None
    return name not in _FOREIGN_MEMBERS_SHOWN


# -- Attribute names written as plain text in docstrings ------------------------

# Some docstrings write a fitted attribute as plain text, e.g. a type such as
# ``ndarray of shape (n_samples, n_features_in_)``; reST reads ``name_`` as a
# reference to a target "name" and fails the build. Escape such trailing
# underscores outside inline literals, directives and doctest lines, after
# numpydoc has rendered the sections, so the text shows as written. (The
# docstrings would better quote them: ````n_features_in_````.)
_LITERAL = re.compile(r"(``.+?``|`[^`]*`)")
_TRAILING_UNDERSCORE = re.compile(r"(?<![\w`\\])([A-Za-z]\w*?[A-Za-z0-9])_(?![\w`])")


def _escape_trailing_underscores(app, what, name, obj, options, lines):
    in_literal_block = False
    literal_indent = 0
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith((">>>", "...", ".. ")):
            continue
        if in_literal_block and stripped and not line.startswith(" " * literal_indent):
            in_literal_block = False
        if in_literal_block:
            continue
        if stripped.endswith("::"):
            in_literal_block = True
            literal_indent = len(line) - len(line.lstrip()) + 1
        parts = _LITERAL.split(line)
        for j in range(0, len(parts), 2):
            parts[j] = _TRAILING_UNDERSCORE.sub(r"\1\\_", parts[j])
        lines[i] = "".join(parts)


# -- autosummary's one-line summaries ----------------------------------------


def _patch_autosummary_summary() -> None:
    """Keep an inline literal whole in autosummary's one-line summaries.

    autosummary cuts a docstring's first sentence at the first period followed
    by a space, even inside ````code```` (``"``a -> b... -> c``."`` becomes an
    unterminated literal and a docutils error). When the cut leaves an odd
    number of ``````, use the whole first paragraph instead.
    """
    from sphinx.ext import autosummary

    original = autosummary.extract_summary

    def extract_summary(doc, settings):
        summary = original(doc, settings)
        if summary.count("``") % 2 == 0:
            return summary
        paragraph = []
        for line in doc:
            if not line.strip():
                if paragraph:
                    break
                continue
            paragraph.append(line.strip())
        return " ".join(paragraph)

    autosummary.extract_summary = extract_summary


_patch_autosummary_summary()


# -- What's new: CHANGELOG.md as reStructuredText ------------------------------

_UNDERLINES = {1: "=", 2: "=", 3: "-", 4: "~"}


def _markdown_to_rst(text: str) -> str:
    """Convert the small Markdown subset CHANGELOG.md uses into reST.

    Headings (the level-1 title is dropped: the page has its own), bullets with
    indented continuation lines, ``code`` spans and ``[text](url)`` links.
    """
    out: list[str] = []
    for line in text.splitlines():
        stripped = line.lstrip("#")
        level = len(line) - len(stripped)
        if level and stripped.startswith(" "):
            if level == 1:
                continue
            title = stripped.strip()
            out += [title, _UNDERLINES.get(level, "~") * len(title), ""]
            continue
        line = re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r"`\1 <\2>`__", line)
        line = re.sub(r"(?<!`)`([^`]+)`(?![`_])", r"``\1``", line)
        out.append(line)
    return "\n".join(out).strip() + "\n"


def _write_changelog() -> None:
    target = DOCS / "generated" / "changelog.rst.inc"
    target.parent.mkdir(exist_ok=True)
    text = _markdown_to_rst((ROOT / "CHANGELOG.md").read_text(encoding="utf-8"))
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")


_write_changelog()


# -- Numbers measured when the docs are built ----------------------------------

# The recipes page shows numbers that the current code produces: the
# near-identical-spectra measurement (docs/measure/near_identical_spectra.py)
# and the printed output of the page's own baseline comparison. Both are
# computed here, at every build, and included from docs/generated/.


def _load(name: str):
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, DOCS / "measure" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write_measurements() -> None:
    import platform

    import torch

    versions = (
        f"skcontrast {skcontrast.__version__}, torch {torch.__version__}, "
        f"Python {platform.python_version()}, CPU"
    )
    spectra = _load("near_identical_spectra")
    result = spectra.measure()
    text = (
        spectra.rst_table(result)
        + "\n"
        + f"Measured when this page was built ({versions}). On the same split, a "
        f"logistic regression on the standardised raw spectra scores "
        f"{result['baseline_raw']:.3f}, and one on the preprocessed spectra "
        f"{result['baseline_chemometric']:.3f}.\n"
    )
    generated = DOCS / "generated"
    generated.mkdir(exist_ok=True)
    (generated / "near_identical_spectra.rst.inc").write_text(text, encoding="utf-8")

    _, printed = _load("run_page").run_page(DOCS / "user_guide" / "recipes.rst")
    block = "\n".join("   " + line if line else "" for line in printed.rstrip().splitlines())
    text = (
        f"When this page was built ({versions}), the block printed:\n\n"
        f".. code-block:: text\n\n{block}\n"
    )
    (generated / "recipes_output.rst.inc").write_text(text, encoding="utf-8")


_write_measurements()


def setup(app):
    app.connect("autodoc-skip-member", _skip_foreign_member)
    app.connect("autodoc-process-docstring", _escape_trailing_underscores, priority=600)

"""The package surface: top-level names, and the README's quick start runs as written."""

import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

import skcontrast

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", [n for n in skcontrast.__all__ if n != "__version__"])
def test_top_level_names_resolve_to_their_subpackage(name):
    obj = getattr(skcontrast, name)
    module = importlib.import_module(skcontrast._LAZY[name])
    assert obj is getattr(module, name)
    assert name in module.__all__


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        skcontrast.nope


def test_import_is_light():
    code = "import sys, skcontrast; print('torch' in sys.modules, 'rdkit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_readme_quick_start_runs(tmp_path, monkeypatch):
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, "README.md has no python block"
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)
    assert 0.5 <= namespace["accuracy"] <= 1.0

"""Run the python code blocks of a reST page, as the docs build and the tests do.

A page's ``.. code-block:: python`` blocks run in order in one namespace (a
page is one session); a block with the option ``:class: fragment`` is a
snippet, not a program, and is left out.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

_BLOCK = re.compile(r"^\.\. code-block:: python\n((?:   :.*\n)*)\n((?:   .*\n|\n)+)", re.M)


def python_blocks(text: str) -> list[str]:
    """The runnable ``.. code-block:: python`` blocks of a reST page, dedented, in order."""
    blocks = []
    for match in _BLOCK.finditer(text):
        if "fragment" in match.group(1):
            continue
        lines = [line[3:] for line in match.group(2).splitlines()]
        blocks.append("\n".join(lines).strip("\n") + "\n")
    return blocks


def run_page(path: str | Path) -> tuple[dict, str]:
    """Run a page's blocks; return the namespace and everything they printed."""
    path = Path(path)
    namespace: dict = {"__name__": f"docs_{path.stem}"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for i, block in enumerate(python_blocks(path.read_text(encoding="utf-8"))):
            exec(compile(block, f"{path.name}[block {i}]", "exec"), namespace)
    return namespace, out.getvalue()

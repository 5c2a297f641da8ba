"""No function or method in ``src/incentsim`` is longer than 60 lines (issue 11).

Length counts from the ``def`` line to the function's last line, docstring included
(decorators excluded); nested functions count within their parent and on their own.
"""

from __future__ import annotations

import ast
from pathlib import Path

import incentsim

MAX_LINES = 60
SRC = Path(incentsim.__file__).parent


def long_functions(root: Path, limit: int = MAX_LINES) -> list[str]:
    """Every function under ``root`` longer than ``limit`` lines, as ``path:line name (n)``."""
    found = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = node.end_lineno - node.lineno + 1
                if n > limit:
                    found.append(
                        f"{path.relative_to(root.parent)}:{node.lineno} {node.name} ({n} lines)"
                    )
    return found


def test_no_function_over_60_lines():
    too_long = long_functions(SRC)
    assert not too_long, (
        f"functions over {MAX_LINES} lines (split them into named helpers):\n" + "\n".join(too_long)
    )


def test_the_scan_finds_a_long_function(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_LINES))
    (pkg / "m.py").write_text(f"def short():\n    return 1\n\n\ndef long():\n{body}\n")
    assert long_functions(pkg) == [f"pkg/m.py:5 long ({MAX_LINES + 1} lines)"]

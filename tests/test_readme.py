"""The README's first example is the Flask pipeline the demo and the e2e tests build."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _code_lines(text: str) -> list[str]:
    """Non-blank lines without comments or docstrings, as a reader compares code."""
    text = re.sub(r'[ \t]*"""(?:.|\n)*?"""\n', "", text)
    lines = (line.split("  #")[0].rstrip() for line in text.splitlines())
    return [line for line in lines if line and not line.lstrip().startswith("#")]


def test_the_first_example_is_pipelines_flask_app() -> None:
    readme = (ROOT / "README.md").read_text()
    example = re.search(r"```python\n(.*?)```", readme, re.DOTALL)
    assert example is not None
    pipeline = (ROOT / "pipelines" / "flask_app.py").read_text()
    expected = [
        line for line in _code_lines(pipeline) if line != "from __future__ import annotations"
    ]
    assert _code_lines(example[1]) == expected

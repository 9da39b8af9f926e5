"""Every test that ``docs/reliability.md`` names as a regression exists."""

from __future__ import annotations

import re
from pathlib import Path

from tests.regressions import FAILURE_PATH

ROOT = Path(__file__).resolve().parents[1]


def test_every_named_regression_test_exists() -> None:
    named = [test for _, tests in FAILURE_PATH for test in tests]
    assert len(named) >= 18
    missing = []
    for test in named:
        path, _, name = test.partition("::")
        source = (ROOT / path).read_text() if (ROOT / path).is_file() else ""
        if not re.search(rf"^(?:async )?def {re.escape(name)}\(", source, re.MULTILINE):
            missing.append(test)
    assert missing == []

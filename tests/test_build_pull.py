"""pull=True is never answered from the build record (the e2e test
tests/e2e/test_instructions_more_e2e.py shows the refreshed base)."""

from __future__ import annotations

import pytest

from framework import Image
from framework.build import BuildOptions, _prepare, _recordable

IMAGE = Image.from_("debian:bookworm-slim").run("true")


@pytest.mark.parametrize(("pull", "recordable"), [(False, True), (True, False)])
def test_a_pull_build_is_never_answered_from_the_record(pull: bool, recordable: bool) -> None:
    prepared = _prepare(IMAGE, BuildOptions(tag="x:1", pull=pull))
    assert _recordable(prepared)[0] is recordable

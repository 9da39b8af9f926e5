"""The redactor leaves no character of overlapping secrets, and is linear in the log's size."""

from __future__ import annotations

import base64
import random
import string
import time

from framework.engines.redact import Redactor
from tests.conftest import ReliabilityReport

MASK = Redactor.MASK


def test_two_overlapping_secrets_leave_nothing_of_either() -> None:
    redact = Redactor({"a": b"abcdef12", "b": b"ef12ghij"})
    assert redact("token=abcdef12ghij;") == f"token={MASK};"
    assert redact("token=ef12ghijxx abcdef12") == f"token={MASK}xx {MASK}"


def test_a_secret_overlapping_itself_is_masked_whole() -> None:
    redact = Redactor({"a": b"abcab"})
    assert redact("x abcabcab y") == f"x {MASK} y"


def test_regex_metacharacters_unicode_and_newlines_are_literal() -> None:
    value = "p(a)s+s.*[x]|$1 \\d ünï"
    redact = Redactor({"a": value.encode(), "b": b"line-one\nline-two"})
    assert redact(f"v={value}!") == f"v={MASK}!"
    assert redact("a p(a)s+s.*[x] b") == "a p(a)s+s.*[x] b"  # a part mid-line is not
    assert redact("a line-one b") == f"a {MASK} b"
    assert redact("pass plus") == "pass plus"


def _pem() -> bytes:
    rng = random.Random(7)
    body = (base64.b64encode(rng.randbytes(48)) for _ in range(50))
    key = b"-----BEGIN RSA PRIVATE KEY-----\n" + b"\n".join(body)
    return key + b"\n-----END RSA PRIVATE KEY-----\n"


def test_a_large_log_with_a_large_secret_is_redacted(reliability: ReliabilityReport) -> None:
    """4 MB of log lines (and one 4 MB line) against a 3.5 KB private key. The time is
    recorded, not asserted (it was about 13 s and 10 s with the quadratic redactor)."""
    rng = random.Random(1)
    alphabet = string.ascii_letters + string.digits + " -=/+"
    redact = Redactor({"key": _pem(), "token": b"hunter2-token-xyz"})
    lines = [f"#12 {i / 100:.3f} " + "".join(rng.choices(alphabet, k=90)) for i in range(40_000)]
    lines[20_000] = "#12 200.000 leaked hunter2-token-xyz here"
    started = time.perf_counter()
    out = [redact(line) for line in lines]
    one = redact("".join(lines))
    elapsed = time.perf_counter() - started
    assert out[20_000] == f"#12 200.000 leaked {MASK} here"
    assert "hunter2" not in one
    reliability.record(
        "secrets", "redacting 8 MB of log against a 3.5 KB key and a token", f"{elapsed:.1f} s"
    )

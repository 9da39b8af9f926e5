"""The redactor masks a secret's value, its common encodings and its clipped pieces."""

from __future__ import annotations

import base64
import binascii
import contextlib
import re
import string
import urllib.parse

from hypothesis import given, settings
from hypothesis import strategies as st

from framework.engines.redact import Redactor

MASK = Redactor.MASK
# Printable secrets with no white space at the ends, as tokens and passwords are.
secrets = st.text(
    alphabet=string.ascii_letters + string.digits + string.punctuation + " é",
    min_size=8,
    max_size=48,
).map(lambda s: "k" + s + "z")
noise = st.binary(max_size=20)
words = st.text(alphabet=string.ascii_letters + " :=", max_size=20)


def _decoded_pieces(text: str, altchars: bytes) -> bytes:
    """Everything the base64 in ``text`` decodes to, at every character alignment."""
    out = b""
    for piece in text.split(MASK):
        for shift in range(4):
            chunk = piece[shift:]
            chunk = chunk[: len(chunk) // 4 * 4]
            with contextlib.suppress(binascii.Error, ValueError):
                out += base64.b64decode(chunk, altchars=altchars) + b"|"
    return out


@settings(deadline=None)
@given(secrets, words, words)
def test_value_in_clear(value: str, before: str, after: str) -> None:
    redact = Redactor({"s": value.encode()})
    assert value not in redact(before + value + after)


@settings(deadline=None, max_examples=200)
@given(secrets, noise, noise, st.sampled_from([b"+/", b"-_"]), st.booleans())
def test_base64_alone_or_embedded_at_any_alignment(
    value: str, before: bytes, after: bytes, altchars: bytes, padded: bool
) -> None:
    raw = value.encode()
    encoded = base64.b64encode(before + raw + after, altchars=altchars).decode()
    if not padded:
        encoded = encoded.rstrip("=")
    shown = Redactor({"s": raw})("output: " + encoded + " done")
    assert MASK in shown
    # Whatever survives decodes to at most a few bytes of the value.
    assert raw[2:-2] not in _decoded_pieces(shown, altchars)


@settings(deadline=None)
@given(secrets, st.text(alphabet="0123456789abcdef", max_size=10), st.booleans())
def test_hex_lower_and_upper(value: str, around: str, upper: bool) -> None:
    encoded = value.encode().hex()
    text = around + (encoded.upper() if upper else encoded) + around
    shown = Redactor({"s": value.encode()})(text)
    assert encoded not in shown.lower()
    assert MASK in shown


@settings(deadline=None)
@given(
    secrets,
    st.sampled_from(["", "/", "/:@", "-_.~!*'()"]),
    st.booleans(),
    st.booleans(),
    words,
)
def test_percent_encoding_whatever_was_escaped(
    value: str, safe: str, plus: bool, lower: bool, around: str
) -> None:
    quote = urllib.parse.quote_plus if plus else urllib.parse.quote
    encoded = quote(value, safe=safe)
    if lower:
        encoded = re.sub(r"%[0-9A-F]{2}", lambda m: m[0].lower(), encoded)
    shown = Redactor({"s": value.encode()})(f"GET /?token={encoded}&{around}")
    decode = urllib.parse.unquote_plus if plus else urllib.parse.unquote
    assert value not in decode(shown)
    assert MASK in shown


@settings(deadline=None)
@given(secrets, st.data())
def test_piece_at_a_clip_or_wrap_is_masked(value: str, data: st.DataObject) -> None:
    cut = data.draw(st.integers(min_value=1, max_value=len(value) - 1))
    redact = Redactor({"s": value.encode()})
    first = redact("#7 2.381 some output " + value[:cut])
    second = redact("#7 3.502 " + value[cut:] + " more")
    head, tail = value[:cut], value[cut:]
    if len(head.rstrip()) >= Redactor.MIN_PIECE:  # the line's trailing blanks don't count
        assert not first.rstrip().endswith(head.rstrip())
    if len(tail) >= Redactor.MIN_PIECE:
        assert not second.startswith("#7 3.502 " + tail)
    # At most MIN_PIECE - 1 characters of the value show on either side of the cut.


@settings(deadline=None)
@given(secrets)
def test_wrapped_base64_is_masked_on_both_lines(value: str) -> None:
    raw = (value * 3).encode()
    encoded = base64.encodebytes(raw).decode()  # wrapped at 76 columns, like `base64`
    redact = Redactor({"s": raw})
    shown = [redact("#5 0.100 " + line) for line in encoded.splitlines()]
    assert all(MASK in line for line in shown if len(line) >= 9 + Redactor.MIN_PIECE)
    assert raw[4:-4] not in _decoded_pieces("".join(s[9:] for s in shown), b"+/")


def test_short_values_and_unrelated_text_are_left_alone() -> None:
    redact = Redactor({"a": b"ab", "b": b"long-secret-value"})
    assert redact("ab cd") == "ab cd"
    assert redact("nothing secret here") == "nothing secret here"
    assert redact("value=long-secret-value;") == "value=***;"
    assert Redactor({})("anything") == "anything"


def test_json_escaped_value() -> None:
    value = 'pa"ss\\word'
    assert value.replace('"', '\\"') not in Redactor({"s": value.encode()})(
        '{"password": "pa\\"ss\\\\word"}'
    )

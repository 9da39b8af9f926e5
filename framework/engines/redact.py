"""Masking secret values, and their common encodings, in text the framework shows."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator, Mapping

__all__ = ["Redactor"]

# BuildKit's plain progress prefixes a step's output with "#<vertex> <seconds> ".
_LOG_PREFIX = re.compile(r"#\d+ \d+\.\d+ ")


class Redactor:
    """Replaces secret values in lines the framework shows with ``***``.

    Called once per line of output. For each secret value it masks:

    - the value as text, stripped, and each of its lines (3 characters or more);
    - base64 of the value, standard and URL-safe alphabets, with and without padding,
      also when the value is embedded in a longer encoded text (``user:$TOKEN``): the
      characters that depend only on the value, at each of the three byte alignments;
    - hex, lower and upper case;
    - percent-encoding, whichever characters the encoder escaped (``%2F`` or ``%2f``,
      ``+`` or ``%20`` for a space), and JSON string escaping;
    - a piece of any of those at the end of a line or the start of one (after
      BuildKit's ``#N 1.234`` prefix), 6 characters or longer: where BuildKit clipped a
      long log (``[output clipped, log limit ...]``) and resumed mid-line, or a tool
      wrapped its output (``base64`` wraps at 76 columns).

    Overlapping matches (two secrets sharing characters) are masked as one. The cost is
    linear in the text's length: plain substring searches, with the percent-encoding
    regex run only on text holding a ``%``.

    What it cannot redact: values shorter than 3 characters (and encodings shorter than
    4); up to 5 characters of a value, or of an encoding, on either side of a line
    break or clip; any other transformation (other encodings such as base32 or
    ``xxd``'s grouped hex, compression, hashing, encryption, reversing, a value a
    program splits or interleaves with other output); and output that never passes
    through the framework (a step writing the value into a file the image keeps is the
    pipeline's own doing).
    """

    MASK = "***"
    MIN_LENGTH = 3
    """Shortest literal value masked."""
    MIN_ENCODED = 4
    """Shortest encoded form masked."""
    MIN_PIECE = 6
    """Shortest piece of a value or encoding masked at a line's end or start: shorter
    pieces would mask ordinary words that happen to begin or end a secret."""

    def __init__(self, secrets: Mapping[str, bytes]) -> None:
        needles: set[str] = set()
        patterns: list[str] = []
        for value in secrets.values():
            for text in _texts(value):
                if len(text) >= self.MIN_LENGTH:
                    needles.add(text)
                    patterns.append(_percent_pattern(text))
                    if " " in text:  # form-encoded: the regex is then needed only for "%"
                        needles.add(text.replace(" ", "+"))
                    escaped = json.dumps(text)[1:-1]
                    if escaped != text:
                        needles.add(escaped)
            if len(value.strip()) >= self.MIN_LENGTH:
                needles.update(n for n in _encodings(value.strip()) if len(n) >= self.MIN_ENCODED)
        self._needles = sorted(needles, key=len, reverse=True)
        # Percent-encoded forms need the regex only where a line holds an escape.
        self._percent = (
            re.compile("|".join(sorted(patterns, key=len, reverse=True))) if patterns else None
        )
        # Every MIN_PIECE-character window of every needle: a line's edge that is none of
        # them cannot be a piece, so most lines skip the search for pieces.
        self._windows = frozenset(
            needle[i : i + self.MIN_PIECE]
            for needle in self._needles
            for i in range(len(needle) - self.MIN_PIECE + 1)
        )

    def __call__(self, text: str) -> str:
        if not self._needles:
            return text
        text = self._mask_needles(text)
        if self._percent is not None and "%" in text:
            text = self._percent.sub(self.MASK, text)
        return self._mask_pieces(text)

    def _mask_needles(self, text: str) -> str:
        """Mask every occurrence of every needle, overlapping ones included: the union of
        their spans becomes one mask, so no character of any secret is left between them.
        Each needle is a plain substring search, linear in the text's length."""
        spans: list[tuple[int, int]] = []
        for needle in self._needles:
            start = text.find(needle)
            while start != -1:
                spans.append((start, start + len(needle)))
                start = text.find(needle, start + 1)
        if not spans:
            return text
        spans.sort()
        out: list[str] = []
        done = 0
        begin, end = spans[0]
        for start, stop in spans[1:]:
            if start > end:
                out += (text[done:begin], self.MASK)
                done, begin = end, start
            end = max(end, stop)
        out += (text[done:begin], self.MASK, text[end:])
        return "".join(out)

    def _mask_pieces(self, line: str) -> str:
        """Mask a needle's head ending the line and a needle's tail starting its content."""
        body = line.rstrip()
        tail = len(self._longest(body, at_end=True))
        if tail:
            line = body[:-tail] + self.MASK + line[len(body) :]
        prefix = _LOG_PREFIX.match(line)
        start = prefix.end() if prefix else 0
        head = len(self._longest(line[start:], at_end=False))
        if head:
            line = line[:start] + self.MASK + line[start + head :]
        return line

    def _longest(self, text: str, *, at_end: bool) -> str:
        """The longest proper piece of a needle (its head at ``text``'s end, or its tail
        at ``text``'s start), ``MIN_PIECE`` characters or more; ``""`` if none."""
        minimum = self.MIN_PIECE
        if len(text) < minimum:
            return ""
        edge = text[-minimum:] if at_end else text[:minimum]
        if edge not in self._windows:
            return ""
        best = ""
        for needle in self._needles:
            if len(needle) <= len(best) + 1 or edge not in needle:
                continue
            for size in range(min(len(needle) - 1, len(text)), max(minimum, len(best) + 1) - 1, -1):
                piece = needle[:size] if at_end else needle[-size:]
                if text.endswith(piece) if at_end else text.startswith(piece):
                    best = piece
                    break
        return best


def _texts(value: bytes) -> Iterator[str]:
    text = value.decode(errors="replace")
    yield text
    yield text.strip()
    for line in text.splitlines():
        yield line.strip()


def _encodings(value: bytes) -> Iterator[str]:
    """Hex, and base64 alone or embedded at each byte alignment, in both alphabets."""
    yield value.hex()
    yield value.hex().upper()
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        whole = encode(value).decode()
        yield whole
        yield whole.rstrip("=")
        for offset in range(3):
            # Characters whose 6 bits all come from the value, whatever surrounds it.
            encoded = encode(b"\0" * offset + value).decode().rstrip("=")
            first = -(-8 * offset // 6)
            last = 8 * (offset + len(value)) // 6
            yield encoded[first:last]


def _percent_pattern(text: str) -> str:
    """A regex matching ``text`` with any of its characters percent-encoded."""
    parts: list[str] = []
    for char in text:
        escapes = "".join(
            "%" + "".join(f"[{d.upper()}{d.lower()}]" if d.isalpha() else d for d in f"{b:02X}")
            for b in char.encode()
        )
        options = [re.escape(char), escapes] + (["\\+"] if char == " " else [])
        parts.append("(?:" + "|".join(options) + ")")
    return "".join(parts)

"""Model and user text is untrusted terminal output: control characters (escape sequences
above all) are removed before anything is printed."""

from __future__ import annotations

import re

__all__ = ["one_line", "printable"]

# C0 controls except tab and newline, DEL, and the C1 range (8-bit CSI and friends).
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_WHITESPACE = re.compile(r"\s+")


def printable(text: str) -> str:
    """`text` without control characters; newlines and tabs are kept."""
    return _CONTROLS.sub("", text)


def one_line(text: str) -> str:
    """`text` without control characters, its whitespace runs (newlines too) made one space."""
    return _WHITESPACE.sub(" ", printable(text)).strip()

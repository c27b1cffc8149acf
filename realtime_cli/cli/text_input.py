"""Text the user hands to a command (a prompt, instructions): argv, @FILE or stdin, as UTF-8.

The service takes JSON, so text must be valid Unicode: bytes that are not UTF-8 (a Latin-1
file, `$'caf\\xe9'` on the command line) are refused with one line naming where they came
from and the first bad byte, rather than failing deep inside the encoder.
"""

from __future__ import annotations

import sys
from pathlib import Path

from realtime_cli.errors import UsageError

__all__ = ["argument_text", "decode_utf8", "file_text", "option_text", "stdin_text"]


def decode_utf8(data: bytes, source: str) -> str:
    """`data` as text, or a `UsageError` naming `source` and the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{source} is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "convert it first, e.g. with iconv -f latin1 -t utf-8"
        ) from None


def argument_text(value: str, source: str) -> str:
    """A command-line string; Python keeps undecodable argv bytes as lone surrogates."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raw = value.encode("utf-8", "surrogateescape")
        return decode_utf8(raw, source)  # raises, naming the byte
    return value


def stdin_text() -> str:
    """All of standard input, as UTF-8."""
    return decode_utf8(sys.stdin.buffer.read(), "standard input")


def file_text(path: Path, source: str) -> str:
    """A file's contents as UTF-8; one-line `UsageError` naming `source` when it cannot be
    read or is not UTF-8."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{source}: cannot read it ({exc.strerror or exc})") from None
    return decode_utf8(data, source)


def option_text(value: str | None, flag: str) -> str | None:
    """An option's text, or with `@FILE` the file's contents (the same for every command)."""
    if value is None:
        return None
    value = argument_text(value, flag)
    if not value.startswith("@"):
        return value
    path = Path(value[1:])
    return file_text(path, f"{flag} @{path}")

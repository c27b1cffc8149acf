"""A small TOML 1.0 writer for plain data (what `tomllib` reads back, minus comments).

Our dependencies include no TOML writer (msgspec's needs tomli_w), and the settings need only
tables, arrays of tables and scalars. `None` values are skipped: TOML has no null, and an
absent key is how a profile says "unset".
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["dumps", "toml_key", "toml_string"]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}
_INT64 = 2**63


def dumps(data: Mapping[str, Any]) -> str:
    """Render `data` as a TOML document that `tomllib.loads` turns back into `data`.

    Nested mappings become `[tables]`, lists of mappings `[[arrays of tables]]`, and strings
    containing newlines multi-line strings. Raises `TypeError` for a value TOML cannot hold.
    """
    lines: list[str] = []
    _write_table(lines, (), data, array_item=False)
    return "\n".join(lines).lstrip("\n") + "\n" if lines else ""


def _write_table(
    lines: list[str], path: tuple[str, ...], table: Mapping[str, Any], *, array_item: bool
) -> None:
    items = [(key, value) for key, value in table.items() if value is not None]
    plain = [(k, v) for k, v in items if not _is_table(v) and not _is_table_array(v)]
    tables = [(k, v) for k, v in items if _is_table(v)]
    arrays = [(k, v) for k, v in items if _is_table_array(v)]
    if array_item:
        lines += ["", f"[[{_dotted(path)}]]"]
    elif path and (plain or not (tables or arrays)):
        # A table holding only sub-tables is defined by their headers; an empty one needs its own.
        lines += ["", f"[{_dotted(path)}]"]
    # Key/value pairs must precede any header, or they would belong to that header's table.
    for key, value in plain:
        lines.append(f"{toml_key(key)} = {_value(value, top=True)}")
    for key, value in tables:
        _write_table(lines, (*path, key), value, array_item=False)
    for key, value in arrays:
        for item in value:
            _write_table(lines, (*path, key), item, array_item=True)


def _is_table(value: Any) -> bool:
    return isinstance(value, Mapping)


def _is_table_array(value: Any) -> bool:
    return (
        isinstance(value, list | tuple)
        and len(value) > 0
        and all(isinstance(item, Mapping) for item in value)
    )


def _dotted(path: tuple[str, ...]) -> str:
    return ".".join(toml_key(part) for part in path)


def toml_key(key: str) -> str:
    """`key` as a TOML key: bare when it can be, else a quoted string."""
    if not isinstance(key, str):
        raise TypeError(f"TOML keys are strings, got {type(key).__name__}")
    return key if _BARE_KEY.fullmatch(key) else toml_string(key)


def _value(value: Any, *, top: bool = False) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if not -_INT64 <= value < _INT64:
            raise ValueError(f"TOML integers are 64-bit, {value} does not fit")
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        # Multi-line strings only outside inline values, where they read best (instructions).
        return _multiline_string(value) if top and "\n" in value else toml_string(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(item) for item in value if item is not None) + "]"
    if isinstance(value, Mapping):
        pairs = [f"{toml_key(k)} = {_value(v)}" for k, v in value.items() if v is not None]
        return "{ " + ", ".join(pairs) + " }" if pairs else "{}"
    raise TypeError(f"cannot write a {type(value).__name__} as TOML")


def _escape(text: str, *, keep: str = "") -> str:
    out = []
    for ch in text:
        if ch in keep:
            out.append(ch)
        elif ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch < " " or ch == "\x7f":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def toml_string(text: str) -> str:
    """`text` as a TOML basic string (one line, escaped)."""
    return f'"{_escape(text)}"'


def _multiline_string(text: str) -> str:
    # Every quote stays escaped, so no run of three can close the string early; the newline
    # right after the opening delimiter is dropped by TOML readers.
    return '"""\n' + _escape(text, keep="\n\t") + '"""'

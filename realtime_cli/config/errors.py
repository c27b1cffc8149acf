"""`ConfigError` and the translation of msgspec and tomllib errors into one-line messages.

msgspec reports *where* a value failed (`- at `$.vad.threshold``) but not the value, and
describes the expected type in Python terms (`Expected `float` <= 1.0`). A user editing TOML
wants the key path, the expected value in TOML terms and what they wrote, so the message is
rebuilt from the error's path, the Struct's type info and the raw data.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import tomllib
from collections.abc import Sequence
from typing import Any

import msgspec
import msgspec.inspect as mi

from realtime_cli.errors import UsageError

__all__ = ["ConfigError", "format_key_path", "show_value", "toml_error", "validation_error"]

KeyPath = tuple[str | int, ...]


class ConfigError(UsageError):
    """A configuration file, variable or option is invalid (exit code 2, one-line message)."""


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_AT_PATH = re.compile(r"^(?P<what>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_PATH_PART = re.compile(r"\.([^.\[]+)|\[(\d+)\]|\[(\.\.\.)\]")
#: msgspec writes a table key it does not name (a `[tools.LABEL]`) as `[...]`.
_ANY_KEY = "[...]"
_UNKNOWN = re.compile(r"^Object contains unknown field `(?P<name>[^`]*)`$")
_MISSING = re.compile(r"^Object missing required field `(?P<name>[^`]*)`$")
_TOML_POS = re.compile(r"^(?P<what>.*?) \(at line (?P<line>\d+), column (?P<col>\d+)\)$")
_TOML_END = re.compile(r"^(?P<what>.*?) \(at end of document\)$")


def format_key_path(path: Sequence[str | int]) -> str:
    """`("profiles", "my prof", "tools", 0, "name")` -> `profiles."my prof".tools[0].name`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
            continue
        key = part if _BARE_KEY.fullmatch(part) else _quote(part)
        out += f".{key}" if out else key
    return out


def toml_error(source: str, exc: tomllib.TOMLDecodeError, text: str) -> ConfigError:
    """`FILE:LINE:COL: invalid TOML: ...` from a tomllib error on `text`.

    Python 3.11's error carries the position only in its message, as "(at line L, column C)"
    or "(at end of document)"; the latter is turned into the last line and column.
    """
    message = str(exc)
    if match := _TOML_POS.match(message):
        what, line, column = match["what"], int(match["line"]), int(match["col"])
    elif match := _TOML_END.match(message):
        lines = text.split("\n")
        what, line, column = f"{match['what']} at end of file", len(lines), len(lines[-1]) + 1
    else:
        return ConfigError(f"{source}: invalid TOML: {_lower_first(message)}")
    return ConfigError(f"{source}:{line}:{column}: invalid TOML: {_lower_first(what)}")


def validation_error(
    source: str,
    exc: msgspec.ValidationError,
    raw: Any,
    struct: type[msgspec.Struct],
    prefix: KeyPath = (),
    *,
    label: str | None = None,
) -> ConfigError:
    """Explain why `msgspec.convert(raw, struct)` failed.

    The message reads `SOURCE: KEY.PATH: what was expected, got VALUE`. `prefix` is where
    `raw` sits in the file (`("profiles", "default")`); `label`, if given, replaces the key
    path (an environment variable's name, say).
    """
    match = _AT_PATH.match(str(exc))
    assert match is not None  # the pattern matches any string
    what = match["what"]
    path = _name_keys(raw, struct, _parse_path(match["path"] or ""))
    info: mi.Type = mi.type_info(struct)
    if unknown := _UNKNOWN.match(what):
        name = unknown["name"]
        table = _type_at(info, path)
        detail = "unknown key" + _suggestion(name, table)
        path = (*path, name)
    elif missing := _MISSING.match(what):
        path = (*path, missing["name"])
        detail = "missing (this key is required)"
    elif "headers" in path:
        # A header value is a secret: never echoed, even when it was written in the file.
        detail = 'expected { env = "VARIABLE" }: header values come from the environment'
    else:
        expected = _describe(_type_at(info, path))
        detail = f"expected {expected}, got {show_value(_value_at(raw, path))}"
    where = label if label is not None else format_key_path((*prefix, *path))
    return ConfigError(f"{source}: {where}: {detail}" if where else f"{source}: {detail}")


def _parse_path(text: str) -> KeyPath:
    return tuple(
        _ANY_KEY if any_key else int(index) if index else name
        for name, index, any_key in _PATH_PART.findall(text)
    )


def _name_keys(raw: Any, struct: type[msgspec.Struct], path: KeyPath) -> KeyPath:
    """`path` with each unnamed table key found: the first key that, alone in its table,
    still fails validation."""
    resolved: list[str | int] = []
    for part in path:
        table = _value_at(raw, tuple(resolved)) if part == _ANY_KEY else None
        if not isinstance(table, dict):
            resolved.append(part)
            continue
        for key in table:
            try:
                msgspec.convert(_narrowed(raw, tuple(resolved), key), struct)
            except msgspec.ValidationError:
                resolved.append(key)
                break
        else:
            resolved.append(part)
    return tuple(resolved)


def _narrowed(raw: Any, path: KeyPath, key: str) -> Any:
    """A copy of `raw` whose table at `path` holds only `key`."""
    if not path:
        return {key: raw[key]}
    copy: Any = list(raw) if isinstance(raw, list) else dict(raw)
    copy[path[0]] = _narrowed(raw[path[0]], path[1:], key)
    return copy


def _type_at(info: mi.Type, path: KeyPath) -> mi.Type | None:
    current: mi.Type | None = info
    for part in path:
        current = _step(current, part)
        if current is None:
            return None
    return current


def _step(info: mi.Type | None, part: str | int) -> mi.Type | None:
    info = _unwrap(info)
    if isinstance(info, mi.UnionType):
        for member in info.types:
            found = _step(member, part)
            if found is not None:
                return found
        return None
    if isinstance(info, mi.StructType) and isinstance(part, str):
        for field in info.fields:
            if field.encode_name == part:
                return field.type
        return None
    if isinstance(info, mi.DictType) and isinstance(part, str):
        return info.value_type
    if isinstance(info, mi.ListType | mi.VarTupleType | mi.SetType) and isinstance(part, int):
        return info.item_type
    return None


def _unwrap(info: mi.Type | None) -> mi.Type | None:
    while isinstance(info, mi.Metadata):
        info = info.type
    return info


def _suggestion(name: str, table: mi.Type | None) -> str:
    table = _unwrap(table)
    if not isinstance(table, mi.StructType):
        return ""
    known = [field.encode_name for field in table.fields]
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        return f" (did you mean {_quote(close[0])}?)"
    return f" (known keys: {', '.join(known)})"


def _describe(info: mi.Type | None) -> str:
    """The expected value in TOML terms: `a number between 0 and 1`, `one of "a", "b"`."""
    if isinstance(info, mi.Metadata):
        expected = (info.extra or {}).get("expected")
        return str(expected) if expected else _describe(info.type)
    if isinstance(info, mi.UnionType):
        # TOML cannot spell null, so an optional value is simply "... or absent".
        parts = [_describe(member) for member in info.types if not isinstance(member, mi.NoneType)]
        return " or ".join(parts)
    if isinstance(info, mi.BoolType):
        return "true or false"
    if isinstance(info, mi.IntType):
        return _ranged("an integer", info.ge, info.le, info.gt, info.lt)
    if isinstance(info, mi.FloatType):
        return _ranged("a number", info.ge, info.le, info.gt, info.lt)
    if isinstance(info, mi.StrType):
        if info.pattern is not None:
            return f"a string matching {info.pattern}"
        return "a non-empty string" if info.min_length else "a string"
    if isinstance(info, mi.LiteralType):
        values = [show_value(value) for value in info.values]
        return values[0] if len(values) == 1 else "one of " + ", ".join(values)
    if isinstance(info, mi.StructType | mi.DictType):
        return "a table"
    if isinstance(info, mi.ListType | mi.VarTupleType | mi.TupleType | mi.SetType):
        item = _unwrap(getattr(info, "item_type", None))
        return "an array of tables" if isinstance(item, mi.StructType) else "an array"
    return "a valid value"


def _ranged(
    kind: str, ge: float | None, le: float | None, gt: float | None, lt: float | None
) -> str:
    if ge is not None and le is not None:
        return f"{kind} between {_num(ge)} and {_num(le)}"
    bounds = [
        f"{op} {_num(bound)}"
        for op, bound in ((">=", ge), (">", gt), ("<=", le), ("<", lt))
        if bound is not None
    ]
    return f"{kind} {' and '.join(bounds)}" if bounds else kind


def _num(value: float) -> str:
    return f"{value:g}"


_MISSING_VALUE = object()


def _value_at(raw: Any, path: KeyPath) -> Any:
    current = raw
    for part in path:
        try:
            current = current[part]
        except (KeyError, IndexError, TypeError):
            return _MISSING_VALUE
    return current


def show_value(value: Any) -> str:
    """A value as the user wrote it in TOML (strings quoted, tables and arrays by kind)."""
    if value is _MISSING_VALUE:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _quote(value if len(value) <= 60 else value[:57] + "...")
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return f"the date/time {value.isoformat()}"
    return repr(value)


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in escaped)
    return f'"{escaped}"'


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]

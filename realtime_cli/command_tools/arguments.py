"""From a command tool's declared parameters to its argument type, and from validated
arguments to its argv. Pure: no I/O.

The argument type is a msgspec Struct built from the parameters, so the JSON Schema the
model sees and the validation of what it sends come from one definition (and from the same
`ToolSpec` machinery as Python tools). Substitution happens inside argv elements only: a
value never becomes another argument, and no shell ever reads it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal, Protocol

import msgspec

__all__ = [
    "Parameter",
    "PlaceholderError",
    "argument_type",
    "check_placeholders",
    "placeholders",
    "substitute",
]

_TYPES: dict[str, type] = {"string": str, "integer": int, "number": float, "boolean": bool}
#: `{name}` is a placeholder; `{{` and `}}` are literal braces.
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z0-9_-]+)\}")


class Parameter(Protocol):
    """What a declared parameter provides (`config.ToolParameter` is one)."""

    @property
    def type(self) -> str: ...
    @property
    def description(self) -> str | None: ...
    @property
    def enum(self) -> tuple[str | int | float, ...] | None: ...
    @property
    def required(self) -> bool: ...


class PlaceholderError(ValueError):
    """An argv element names a parameter the tool does not declare."""


def argument_type(name: str, parameters: Mapping[str, Parameter]) -> type[msgspec.Struct]:
    """The Struct of a tool's arguments: unknown fields refused, optional ones default None."""
    fields: list[Any] = []
    for key, param in parameters.items():
        kind: Any = _TYPES[param.type]
        if param.enum:
            kind = Literal[tuple(param.enum)]
        if param.description:
            kind = Annotated[kind, msgspec.Meta(description=param.description)]
        if param.required:
            fields.append((key, kind))
        else:
            fields.append((key, kind | None, None))
    # Required fields first: a Struct cannot have a default before a field without one.
    fields.sort(key=lambda field: len(field) == 3)
    return msgspec.defstruct(f"{name}_arguments", fields, forbid_unknown_fields=True)


def placeholders(command: Sequence[str]) -> set[str]:
    """The parameter names the argv refers to."""
    return {m.group(1) for element in command for m in _PLACEHOLDER.finditer(element) if m.group(1)}


def check_placeholders(command: Sequence[str], parameters: Mapping[str, Any]) -> None:
    """Raise `PlaceholderError` for a `{name}` that is not a declared parameter."""
    unknown = sorted(placeholders(command) - set(parameters))
    if unknown:
        raise PlaceholderError(
            f"the command refers to {', '.join('{' + u + '}' for u in unknown)}, "
            "which is not in parameters"
        )


def substitute(command: Sequence[str], arguments: Mapping[str, Any]) -> list[str]:
    """The argv with each `{name}` replaced by its argument, inside its own element.

    An element that refers to an optional argument the model left out is dropped whole
    (so `"--unit={unit}"` disappears rather than becoming `--unit=`).
    """
    argv: list[str] = []
    for element in command:
        missing = False

        def replace(match: re.Match[str]) -> str:
            nonlocal missing
            token = match.group(0)
            if token in ("{{", "}}"):
                return token[0]
            value = arguments.get(match.group(1))
            if value is None:
                missing = True
                return ""
            return _text(value)

        replaced = _PLACEHOLDER.sub(replace, element)
        if not missing:
            argv.append(replaced)
    return argv


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)

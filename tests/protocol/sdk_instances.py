"""Builds JSON payloads that the official SDK's own models accept, by walking those models.

For each event class: a minimal payload (required fields only), payloads with every optional
field set to null, and maximal payloads (every optional field) that between them pick every
variant of every union and every literal value.
"""

from __future__ import annotations

import types
import typing
from typing import Any

import pydantic

# Valid canonical base64, so audio fields decode whichever field they land in.
STRING = "QUJD"
MAX_VARIANTS = 12


def _union_args(tp: Any) -> tuple[Any, ...] | None:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _union_args(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return tuple(a for a in typing.get_args(tp) if a is not type(None))
    return None


def _strip(tp: Any) -> Any:
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def _choices(tp: Any) -> list[Any]:
    """The variants of a type: union members, with each literal value a variant of its own."""
    tp = _strip(tp)
    args = _union_args(tp)
    members = list(args) if args is not None else [tp]
    out: list[Any] = []
    for raw in members:
        member = _strip(raw)
        if typing.get_origin(member) is typing.Literal:
            out.extend(("literal", value) for value in typing.get_args(member))
        elif _union_args(member) is not None:
            out.extend(_choices(member))
        else:
            out.append(member)
    return out


def build(tp: Any, mode: str, k: int) -> Any:
    """A JSON value of SDK type `tp`; `k` picks the variant of every union on the way."""
    choices = _choices(tp)
    choice = choices[k % len(choices)]
    if isinstance(choice, tuple) and choice[0] == "literal":
        return choice[1]
    tp = choice
    origin = typing.get_origin(tp)
    if isinstance(tp, type) and issubclass(tp, pydantic.BaseModel):
        return build_model(tp, mode, k)
    if origin in (list, typing.List):  # noqa: UP006
        (item,) = typing.get_args(tp)
        if mode == "minimal":
            return [build(item, mode, k)]
        # one element per variant, so a list covers every member of its union
        return [build(item, mode, k + i) for i in range(len(_choices(item)))]
    if origin in (dict, typing.Dict):  # noqa: UP006
        _, value = typing.get_args(tp)
        return {"key": build(value, mode, k)}
    if tp is str:
        return STRING
    if tp is bool:
        return k % 2 == 0
    if tp is int:
        return 7 + k
    if tp is float:
        return 0.5
    if tp is object:
        return {"a": [1, "b", None]}
    raise TypeError(f"no builder for {tp!r}")


def build_model(model: type[pydantic.BaseModel], mode: str, k: int) -> dict[str, Any]:
    """A JSON object for an SDK model in the given mode (minimal, nulls or maximal)."""
    out: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        key = field.alias or name
        if field.is_required():
            out[key] = build(field.annotation, mode, k)
        elif mode == "nulls":
            out[key] = None
        elif mode == "maximal":
            out[key] = build(field.annotation, mode, k)
    return out


def union_members(union: Any) -> list[type[pydantic.BaseModel]]:
    """The event classes of one of the SDK's event unions."""
    args = typing.get_args(_strip(union))
    if args and _union_args(args[0]) is not None:
        args = typing.get_args(args[0])
    return [_strip(a) for a in args]


def wire_type_of(model: type[pydantic.BaseModel]) -> str:
    """The `type` literal of an SDK event class."""
    (value,) = typing.get_args(model.model_fields["type"].annotation)
    return str(value)


def payloads(model: type[pydantic.BaseModel]) -> list[tuple[str, dict[str, Any]]]:
    """(label, payload) pairs for an event class, each validated by the SDK model itself."""
    found: list[tuple[str, dict[str, Any]]] = [
        ("minimal", build_model(model, "minimal", 0)),
        ("nulls", build_model(model, "nulls", 0)),
    ]
    found += [(f"maximal-{k}", build_model(model, "maximal", k)) for k in range(MAX_VARIANTS)]
    unique: dict[str, tuple[str, dict[str, Any]]] = {}
    for label, payload in found:
        model.model_validate(payload)  # the SDK itself says it is valid
        unique.setdefault(repr(sorted(payload.items(), key=str)), (label, payload))
    return list(unique.values())


def undeclared_fields(value: Any, path: str = "$") -> list[str]:
    """Paths of fields a validated SDK model kept as extras (fields the SDK does not declare)."""
    found: list[str] = []
    if isinstance(value, pydantic.BaseModel):
        for key in value.model_extra or {}:
            found.append(f"{path}.{key}")
        for name in type(value).model_fields:
            found += undeclared_fields(getattr(value, name), f"{path}.{name}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += undeclared_fields(item, f"{path}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            found += undeclared_fields(item, f"{path}.{key}")
    return found

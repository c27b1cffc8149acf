"""Base classes for every wire model: keyword-only msgspec Structs that keep absent fields absent.

An optional field defaults to `UNSET` and is left out when encoded; an explicit `None` is kept
and encoded as `null`. So decoding then encoding an event gives back the same JSON object.
"""

from __future__ import annotations

from typing import TypeVar, Union

import msgspec
from msgspec import UNSET, UnsetType

__all__ = ["UNSET", "Model", "Opt", "TaggedModel", "UnsetType", "wire_class_name", "wire_type"]

T = TypeVar("T")

#: An optional wire field: absent (`UNSET`), explicitly null (`None`) or a value.
Opt = Union[T, None, UnsetType]  # noqa: UP007 - a generic alias needs the Union spelling


class Model(msgspec.Struct, kw_only=True):
    """A JSON object of the Realtime protocol. Unknown fields are ignored when decoding."""

    def to_dict(self) -> dict[str, object]:
        """The JSON object this model encodes to, as Python builtins."""
        result: dict[str, object] = msgspec.to_builtins(self)
        return result


def wire_class_name(wire_type: str) -> str:
    """Class name of a wire type (`response.output_audio.delta` -> `ResponseOutputAudioDelta`)."""
    parts = wire_type.replace(".", "_").split("_")
    return "".join(part[:1].upper() + part[1:] for part in parts if part)


class TaggedModel(Model, tag_field="type"):
    """A JSON object whose `type` field names its variant (a tagged union member)."""

    @property
    def type(self) -> str:
        """The wire `type` of this object."""
        return wire_type(type(self))


def wire_type(cls: type[msgspec.Struct]) -> str:
    """The wire `type` tag of a tagged model class."""
    tag = cls.__struct_config__.tag
    if not isinstance(tag, str):
        raise TypeError(f"{cls.__name__} is not a tagged model")
    return tag

"""Finding fields a model does not declare, by walking the raw JSON next to the model.

The protocol models ignore unknown fields when decoding (they must, for server events), but
the service rejects a client event with an unknown field (`unknown_parameter`) and drops
the whole event. This walk restores that strictness on the emulator's side only.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import msgspec
import msgspec.inspect as mi

__all__ = ["find_unknown_field"]


@cache
def _info(cls: type[msgspec.Struct]) -> mi.Type:
    return mi.type_info(cls)


def find_unknown_field(raw: dict[str, Any], cls: type[msgspec.Struct]) -> str | None:
    """The dotted path of the first field of `raw` that `cls` does not declare, if any.

    The path leaves out the event level, as the service's `param` does
    (`session.modalities`, `response.input[0].foo`).
    """
    return _walk(raw, _info(cls), "")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _walk(value: Any, info: mi.Type, path: str) -> str | None:
    if isinstance(info, mi.StructType):
        return _walk_struct(value, info, path)
    if isinstance(info, mi.UnionType):
        return _walk_union(value, info, path)
    if isinstance(info, mi.ListType) and isinstance(value, list):
        for index, entry in enumerate(value):
            found = _walk(entry, info.item_type, f"{path}[{index}]")
            if found:
                return found
    if isinstance(info, mi.DictType) and isinstance(value, dict):
        for key, entry in value.items():
            found = _walk(entry, info.value_type, _join(path, str(key)))
            if found:
                return found
    return None


def _walk_struct(value: Any, info: mi.StructType, path: str) -> str | None:
    if not isinstance(value, dict):
        return None
    fields = {field.encode_name: field.type for field in info.fields}
    for key, entry in value.items():
        if key == info.tag_field:
            continue
        if key not in fields:
            return _join(path, key)
        found = _walk(entry, fields[key], _join(path, key))
        if found:
            return found
    return None


def _walk_union(value: Any, info: mi.UnionType, path: str) -> str | None:
    if isinstance(value, dict):
        structs = [t for t in info.types if isinstance(t, mi.StructType)]
        for struct in structs:
            if struct.tag_field is not None and value.get(struct.tag_field) == struct.tag:
                return _walk_struct(value, struct, path)
        untagged = [t for t in structs if t.tag_field is None]
        if len(untagged) == 1:
            return _walk_struct(value, untagged[0], path)
        dicts = [t for t in info.types if isinstance(t, mi.DictType)]
        if dicts:
            return _walk(value, dicts[0], path)
        return None
    if isinstance(value, list):
        for member in info.types:
            if isinstance(member, mi.ListType):
                return _walk(value, member, path)
    return None

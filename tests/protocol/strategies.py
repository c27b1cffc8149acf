"""Hypothesis strategies for valid wire payloads, derived from our own msgspec models."""

from __future__ import annotations

import base64
from typing import Any

import msgspec
import msgspec.inspect as mi
from hypothesis import strategies as st

JSON_SCALARS = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=8)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
FLOATS = st.floats(allow_nan=False, allow_infinity=False, width=64)


def for_type(info: mi.Type) -> st.SearchStrategy[Any]:
    """A strategy for JSON values of a msgspec type."""
    if isinstance(info, mi.StructType):
        return struct_payload(info)
    if isinstance(info, mi.UnionType):
        return st.one_of([for_type(t) for t in info.types])
    if isinstance(info, mi.NoneType):
        return st.none()
    if isinstance(info, mi.StrType):
        return st.text(max_size=12)
    if isinstance(info, mi.BoolType):
        return st.booleans()
    if isinstance(info, mi.IntType):
        return st.integers(-(2**63), 2**63 - 1)
    if isinstance(info, mi.FloatType):
        return FLOATS
    if isinstance(info, mi.BytesType):
        return st.binary(max_size=64).map(lambda b: base64.b64encode(b).decode())
    if isinstance(info, mi.LiteralType):
        return st.sampled_from(info.values)
    if isinstance(info, mi.ListType):
        return st.lists(for_type(info.item_type), max_size=3)
    if isinstance(info, mi.DictType):
        return st.dictionaries(st.text(max_size=6), for_type(info.value_type), max_size=3)
    if isinstance(info, mi.AnyType):
        return JSON_VALUES
    raise TypeError(f"no strategy for {info!r}")


def struct_payload(info: mi.StructType) -> st.SearchStrategy[dict[str, Any]]:
    """A JSON object for a struct: required fields always, optional ones absent, null or set."""
    required = {f.encode_name: for_type(f.type) for f in info.fields if f.required}
    optional = {f.encode_name: for_type(f.type) for f in info.fields if not f.required}
    strategy = st.fixed_dictionaries(required, optional=optional)
    if info.tag_field is not None:
        tag_field, tag = info.tag_field, info.tag
        strategy = strategy.map(lambda d: {**d, tag_field: tag})
    return strategy


def events(classes: list[type[msgspec.Struct]]) -> st.SearchStrategy[dict[str, Any]]:
    """A strategy for JSON objects of any of the given event classes."""
    return st.one_of([struct_payload(mi.type_info(cls)) for cls in classes])  # type: ignore[arg-type]

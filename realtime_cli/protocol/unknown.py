"""Events of a type this version does not know, kept whole instead of raising."""

from __future__ import annotations

from typing import Any

import msgspec

__all__ = ["UnknownClientEvent", "UnknownServerEvent"]


class UnknownServerEvent(msgspec.Struct, frozen=True):
    """A server event of a type this version does not know; `raw` is the whole JSON object."""

    type: str
    raw: dict[str, Any]


class UnknownClientEvent(msgspec.Struct, frozen=True):
    """A client event of a type this version does not know; `raw` is the whole JSON object."""

    type: str
    raw: dict[str, Any]

"""The 11 GA client events (what the client sends), one Struct each, tagged on `type`."""

from __future__ import annotations

import sys
from typing import Union

from realtime_cli.protocol.base import UNSET, Opt, TaggedModel
from realtime_cli.protocol.items import Item
from realtime_cli.protocol.response import ResponseCreateParams
from realtime_cli.protocol.session import Session

__all__ = [
    "CLIENT_EVENT_TYPES",
    "BaseClientEvent",
    "ClientEvent",
    "ConversationItemCreate",
    "ConversationItemDelete",
    "ConversationItemRetrieve",
    "ConversationItemTruncate",
    "InputAudioBufferAppend",
    "InputAudioBufferClear",
    "InputAudioBufferCommit",
    "OutputAudioBufferClear",
    "ResponseCancel",
    "ResponseCreate",
    "SessionUpdate",
]


class BaseClientEvent(TaggedModel):
    """A client event. `event_id` is optional; the server echoes it in a resulting `error`."""

    event_id: Opt[str] = UNSET


class SessionUpdate(BaseClientEvent, tag="session.update", kw_only=True):
    """Update the session (a partial update; `session.type` is required)."""

    session: Session


class InputAudioBufferAppend(BaseClientEvent, tag="input_audio_buffer.append", kw_only=True):
    """Append audio (24 kHz mono PCM16 LE) to the input buffer; at most 15 MiB per event.

    `audio` holds raw bytes, base64-encoded by msgspec in C when sent. Any buffer-protocol
    object (for example a numpy int16 array's `memoryview`) encodes the same, without a copy.
    """

    audio: bytes

    @classmethod
    def from_pcm16(cls, samples: bytes | bytearray | memoryview) -> InputAudioBufferAppend:
        """An append event from PCM16 samples: bytes, or a memoryview of an int16 array."""
        if sys.byteorder != "little" and not isinstance(samples, bytes):
            raise ValueError("PCM16 buffers must be little-endian; pass bytes instead")
        # msgspec base64-encodes any contiguous buffer, so no bytes() copy is made here.
        return cls(audio=samples)  # type: ignore[arg-type]


class InputAudioBufferCommit(BaseClientEvent, tag="input_audio_buffer.commit", kw_only=True):
    """Commit the input buffer as a user item (manual turns)."""


class InputAudioBufferClear(BaseClientEvent, tag="input_audio_buffer.clear", kw_only=True):
    """Discard the input buffer."""


class OutputAudioBufferClear(BaseClientEvent, tag="output_audio_buffer.clear", kw_only=True):
    """Cut off the server-side output audio. WebRTC and SIP only: never over a websocket."""


class ConversationItemCreate(BaseClientEvent, tag="conversation.item.create", kw_only=True):
    """Add an item; `previous_item_id="root"` inserts it first."""

    item: Item
    previous_item_id: Opt[str] = UNSET


class ConversationItemRetrieve(BaseClientEvent, tag="conversation.item.retrieve", kw_only=True):
    """Ask for an item, audio included."""

    item_id: str


class ConversationItemTruncate(BaseClientEvent, tag="conversation.item.truncate", kw_only=True):
    """Cut an assistant audio item at `audio_end_ms` (what the user actually heard)."""

    item_id: str
    content_index: int
    audio_end_ms: int


class ConversationItemDelete(BaseClientEvent, tag="conversation.item.delete", kw_only=True):
    """Remove an item from the conversation."""

    item_id: str


class ResponseCreate(BaseClientEvent, tag="response.create", kw_only=True):
    """Ask for a response; `response` overrides the session for this one only."""

    response: Opt[ResponseCreateParams] = UNSET


class ResponseCancel(BaseClientEvent, tag="response.cancel", kw_only=True):
    """Cancel the active response (or the one named)."""

    response_id: Opt[str] = UNSET


#: Any GA client event.
ClientEvent = Union[  # noqa: UP007 - a long union reads better this way
    SessionUpdate,
    InputAudioBufferAppend,
    InputAudioBufferCommit,
    InputAudioBufferClear,
    OutputAudioBufferClear,
    ConversationItemCreate,
    ConversationItemRetrieve,
    ConversationItemTruncate,
    ConversationItemDelete,
    ResponseCreate,
    ResponseCancel,
]

#: Wire type -> class, for every GA client event.
CLIENT_EVENT_TYPES: dict[str, type[BaseClientEvent]] = {
    cls.__struct_config__.tag: cls  # type: ignore[misc]
    for cls in BaseClientEvent.__subclasses__()
}

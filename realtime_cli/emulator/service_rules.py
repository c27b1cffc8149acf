"""The service's own refusals of client events, each with where it comes from.

The emulator must not reuse rt's client-side validation (`realtime_cli.protocol.validation`):
a rule that only rt believes in would then pass every test. Session and response settings
are checked in `session_config`; this module holds the per-event rules.
"""

from __future__ import annotations

from realtime_cli.emulator.errors import ClientError
from realtime_cli.protocol import (
    ConversationItemCreate,
    ConversationItemTruncate,
    InputAudioBufferAppend,
    Item,
    MessageItem,
)

__all__ = [
    "MAX_APPEND_BYTES",
    "check_append",
    "check_item",
    "check_item_create",
    "check_metadata",
    "check_truncate_values",
]

#: The SDK's docstring of `input_audio_buffer.append`: "a maximum size of 15 MiB".
MAX_APPEND_BYTES = 15 * 1024 * 1024
#: The SDK's docstring of `metadata`: 16 pairs, keys up to 64, values up to 512 characters.
METADATA_PAIRS, METADATA_KEY, METADATA_VALUE = 16, 64, 512


def _below_min(path: str, value: int) -> ClientError:
    # Reported wording (PROTOCOL.md section 11, truncation with a negative audio_end_ms).
    return ClientError(
        "integer_below_min_value",
        f"Invalid '{path}': integer below minimum value. Expected a value >= 0, but got "
        f"{value} instead.",
        path,
    )


def check_append(event: InputAudioBufferAppend) -> None:
    """An append larger than the documented 15 MiB is refused."""
    if len(event.audio) > MAX_APPEND_BYTES:
        raise ClientError(
            "invalid_value",
            f"Audio chunk of {len(event.audio)} bytes exceeds the maximum of 15 MiB.",
            "audio",
        )


def check_item_create(event: ConversationItemCreate) -> None:
    """`conversation.item.create`: the item by the rules of `check_item`."""
    check_item(event.item, "item")


def check_item(item: Item, path: str) -> None:
    """The service cannot create assistant audio (PROTOCOL.md section 2, the docs' table):
    an assistant message with an `output_audio` part (or the beta `audio`) is refused,
    transcript or not. `path` names the item in the error's `param`: `item` in
    `conversation.item.create`, `response.input[i]` in `response.create`."""
    if not isinstance(item, MessageItem) or item.role != "assistant":
        return
    for index, part in enumerate(item.content):
        if part.type in ("output_audio", "audio"):
            # The code and wording are a guess: the limitation is documented, not the error.
            raise ClientError(
                "invalid_value",
                f"Invalid value: '{part.type}'. Assistant messages cannot be created with "
                "audio content; supported values are: 'output_text'.",
                f"{path}.content[{index}].type",
            )


def check_truncate_values(event: ConversationItemTruncate) -> None:
    """Negative positions are refused before the item is looked up."""
    if event.audio_end_ms < 0:
        raise _below_min("audio_end_ms", event.audio_end_ms)
    if event.content_index < 0:
        raise _below_min("content_index", event.content_index)


def check_metadata(path: str, metadata: object) -> None:
    """`metadata` within the documented limits."""
    if not isinstance(metadata, dict):
        return
    if len(metadata) > METADATA_PAIRS:
        raise ClientError(
            "invalid_value", f"Invalid '{path}': at most {METADATA_PAIRS} pairs.", path
        )
    for key, value in metadata.items():
        if len(str(key)) > METADATA_KEY or not isinstance(value, str):
            raise ClientError("invalid_value", f"Invalid '{path}.{key}'.", f"{path}.{key}")
        if len(value) > METADATA_VALUE:
            raise ClientError(
                "string_above_max_length",
                f"Invalid '{path}.{key}': string too long. Expected a string with maximum "
                f"length {METADATA_VALUE}, but got a string with length {len(value)} instead.",
                f"{path}.{key}",
            )

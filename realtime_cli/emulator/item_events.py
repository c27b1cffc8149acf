"""Conversation item events: create, retrieve, delete, truncate."""

from __future__ import annotations

import msgspec

from realtime_cli.emulator.conversation import item_id, strip_audio
from realtime_cli.emulator.errors import ClientError
from realtime_cli.emulator.formats import bytes_per_ms
from realtime_cli.emulator.machine_core import MachineCore
from realtime_cli.emulator.service_rules import check_item_create, check_truncate_values
from realtime_cli.protocol import (
    UNSET,
    ConversationItemAdded,
    ConversationItemCreate,
    ConversationItemDelete,
    ConversationItemDeleted,
    ConversationItemDone,
    ConversationItemRetrieve,
    ConversationItemRetrieved,
    ConversationItemTruncate,
    ConversationItemTruncated,
    Item,
    MessageItem,
)

__all__ = ["ItemEvents"]


class ItemEvents(MachineCore):
    """The conversation items concern."""

    def _emit_item_added_done(self, item: Item, previous: str | None) -> None:
        echo = strip_audio(item)
        self._emit(
            ConversationItemAdded(event_id=self._eid(), item=echo, previous_item_id=previous)
        )
        self._emit(ConversationItemDone(event_id=self._eid(), item=echo, previous_item_id=previous))

    def _on_item_create(self, event: ConversationItemCreate) -> None:
        check_item_create(event)
        item = event.item
        if not isinstance(item.id, str) or not item.id:
            item = msgspec.structs.replace(item, id=self.ids.next("item"))
        if hasattr(item, "status") and getattr(item, "status", UNSET) in (UNSET, None):
            item = msgspec.structs.replace(item, status="completed")
        previous_id = event.previous_item_id if isinstance(event.previous_item_id, str) else None
        previous = self.conversation.insert(item, previous_id)
        self._item_bpm[item_id(item)] = bytes_per_ms(self._input_format())
        self._emit_item_added_done(item, previous)
        if isinstance(item, MessageItem) and item.role == "user":
            for part in item.content:
                if part.type == "input_audio" and isinstance(part.audio, bytes):
                    bpm = self._item_bpm[item_id(item)]
                    self._transcribe(item_id(item), len(part.audio) / bpm, part.audio)
                    break

    def _find(self, target: str, code: str) -> Item:
        item = self.conversation.get(target)
        if item is None:
            raise ClientError(
                code, f"Item with item_id '{target}' not found in the conversation.", "item_id"
            )
        return item

    def _on_item_retrieve(self, event: ConversationItemRetrieve) -> None:
        item = self._find(event.item_id, "item_retrieve_invalid_item_id")
        self._emit(ConversationItemRetrieved(event_id=self._eid(), item=item))

    def _on_item_delete(self, event: ConversationItemDelete) -> None:
        self._find(event.item_id, "item_delete_invalid_item_id")
        self.conversation.delete(event.item_id)
        self._emit(ConversationItemDeleted(event_id=self._eid(), item_id=event.item_id))

    def _on_item_truncate(self, event: ConversationItemTruncate) -> None:
        check_truncate_values(event)
        item = self._find(event.item_id, "item_truncate_invalid_item_id")
        index = event.content_index
        audio_part = (
            isinstance(item, MessageItem)
            and item.role == "assistant"
            and index < len(item.content)
            and item.content[index].type == "output_audio"
        )
        if not isinstance(item, MessageItem) or not audio_part:
            # Reported wording (PROTOCOL.md section 11).
            raise ClientError(
                "unsupported_content_type",
                "Only model output audio messages can be truncated",
                "item_id",
            )
        part = item.content[index]
        audio = part.audio if isinstance(part.audio, bytes) else b""
        bpm = self._item_bpm.get(event.item_id, 48)
        duration_ms = len(audio) / bpm
        if event.audio_end_ms > duration_ms:
            # Reported with `code: null` and `param: null` by several clients.
            raise ClientError(
                None,
                f"Audio content of {duration_ms:.0f}ms is already shorter than "
                f"{event.audio_end_ms}ms",
            )
        # "Truncating deletes the server-side transcript" (documented): the context keeps
        # no text the user may not have heard.
        parts = list(item.content)
        parts[index] = msgspec.structs.replace(
            part, audio=audio[: event.audio_end_ms * bpm], transcript=None
        )
        self.conversation.replace(msgspec.structs.replace(item, content=parts))
        self._emit(
            ConversationItemTruncated(
                event_id=self._eid(),
                item_id=event.item_id,
                content_index=index,
                audio_end_ms=event.audio_end_ms,
            )
        )

    def item_audio_ms(self, item: Item) -> float:
        """Duration of the audio held by an item."""
        if not isinstance(item, MessageItem):
            return 0.0
        size = sum(len(p.audio) for p in item.content if isinstance(p.audio, bytes))
        return size / self._item_bpm.get(item_id(item), 48)

"""The default conversation: an ordered list of items, with the echo forms the service sends."""

from __future__ import annotations

import msgspec

from realtime_cli.emulator.errors import ClientError
from realtime_cli.protocol import (
    UNSET,
    ContentPart,
    FunctionCallItem,
    FunctionCallOutputItem,
    Item,
    MessageItem,
)

__all__ = ["Conversation", "item_id", "strip_audio", "user_text"]


def item_id(item: Item) -> str:
    """The id of a stored item (every stored item has one)."""
    value = item.id
    return value if isinstance(value, str) else ""


def strip_audio(item: Item) -> Item:
    """The item as `conversation.item.added/done` show it: audio bytes left out, and a
    user audio part's missing transcript shown as null."""
    if not isinstance(item, MessageItem):
        return item
    parts: list[ContentPart] = []
    for part in item.content:
        if part.audio is not UNSET or part.type == "input_audio":
            transcript = None if part.transcript is UNSET else part.transcript
            parts.append(msgspec.structs.replace(part, audio=UNSET, transcript=transcript))
        else:
            parts.append(part)
    return msgspec.structs.replace(item, content=parts)


def user_text(item: Item) -> str | None:
    """The text of a user message (its text parts, or its audio transcripts), if any."""
    if not isinstance(item, MessageItem) or item.role != "user":
        return None
    texts = [p.text for p in item.content if p.type == "input_text" and isinstance(p.text, str)]
    if texts:
        return " ".join(texts)
    return None


class Conversation:
    """Items in order. Ids are unique; `previous_item_id` positions new items."""

    def __init__(self) -> None:
        self.items: list[Item] = []

    def index(self, id: str) -> int | None:
        """Position of the item with this id."""
        for position, item in enumerate(self.items):
            if item.id == id:
                return position
        return None

    def get(self, id: str) -> Item | None:
        """The item with this id."""
        position = self.index(id)
        return None if position is None else self.items[position]

    @property
    def last_id(self) -> str | None:
        """Id of the last item, or None when empty."""
        return item_id(self.items[-1]) if self.items else None

    def insert(self, item: Item, previous_item_id: str | None = None) -> str | None:
        """Insert after `previous_item_id` (`"root"` = first; None = last).

        Returns the id of the item now before it (None when it is first).
        """
        if self.index(item_id(item)) is not None:
            raise ClientError(
                "invalid_value",
                f"Item with id '{item_id(item)}' already exists.",
                "item.id",
            )
        if previous_item_id is None:
            position = len(self.items)
        elif previous_item_id == "root":
            position = 0
        else:
            found = self.index(previous_item_id)
            if found is None:
                raise ClientError(
                    "invalid_value",
                    f"Previous item with id '{previous_item_id}' does not exist.",
                    "previous_item_id",
                )
            position = found + 1
        self.items.insert(position, item)
        return item_id(self.items[position - 1]) if position else None

    def previous_id(self, id: str) -> str | None:
        """Id of the item before this one."""
        position = self.index(id)
        if not position:
            return None
        return item_id(self.items[position - 1])

    def replace(self, item: Item) -> None:
        """Swap in a new version of a stored item (same id)."""
        position = self.index(item_id(item))
        if position is not None:
            self.items[position] = item

    def delete(self, id: str) -> None:
        """Remove an item."""
        position = self.index(id)
        if position is not None:
            del self.items[position]

    def function_name(self, call_id: str) -> str | None:
        """Name of the function call with this call id."""
        for item in self.items:
            if isinstance(item, FunctionCallItem) and item.call_id == call_id:
                return item.name
        return None


def is_tool_output(item: Item) -> bool:
    """Whether the item is a function call's output."""
    return isinstance(item, FunctionCallOutputItem)

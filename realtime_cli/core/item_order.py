"""The conversation's items in server order, placed by `previous_item_id`, not arrival order."""

from __future__ import annotations

from msgspec import UNSET, UnsetType

__all__ = ["ItemOrder"]

ROOT = "root"


class ItemOrder:
    """Item ids in conversation order.

    An item names its predecessor (`previous_item_id`); null or `"root"` puts it first, an
    absent one at the end. An item whose predecessor has not arrived yet waits, and is placed
    as soon as the predecessor is.
    """

    def __init__(self) -> None:
        self._ids: list[str] = []
        self._waiting: dict[str, list[str]] = {}

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def ids(self) -> list[str]:
        """The placed item ids, in order."""
        return list(self._ids)

    def waiting(self) -> list[str]:
        """Items whose predecessor has not arrived yet."""
        return [item for items in self._waiting.values() for item in items]

    def add(self, item_id: str, previous_item_id: str | UnsetType | None = UNSET) -> None:
        """Place an item; adding one that is already placed or waiting changes nothing."""
        if item_id in self._ids or item_id in self.waiting():
            return
        if previous_item_id is UNSET:
            self._ids.append(item_id)
        elif previous_item_id is None or previous_item_id == ROOT:
            self._ids.insert(0, item_id)
        elif previous_item_id in self._ids:
            self._ids.insert(self._ids.index(previous_item_id) + 1, item_id)
        else:
            self._waiting.setdefault(previous_item_id, []).append(item_id)
            return
        self._place_waiting(item_id)

    def _place_waiting(self, item_id: str) -> None:
        for follower in reversed(self._waiting.pop(item_id, [])):
            self._ids.insert(self._ids.index(item_id) + 1, follower)
            self._place_waiting(follower)

    def remove(self, item_id: str) -> None:
        """Forget an item (deleted on the server)."""
        if item_id in self._ids:
            self._ids.remove(item_id)
        for followers in self._waiting.values():
            if item_id in followers:
                followers.remove(item_id)

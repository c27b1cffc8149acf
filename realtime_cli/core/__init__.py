"""The conversation core: a sans-I/O state machine (no sockets, devices, clocks or asyncio)."""

from realtime_cli.core.actions import *  # noqa: F403
from realtime_cli.core.actions import __all__ as _actions_all
from realtime_cli.core.conversation import AudioTrack, ConversationCore, CoreConfig
from realtime_cli.core.item_order import ItemOrder

__all__ = ["AudioTrack", "ConversationCore", "CoreConfig", "ItemOrder", *_actions_all]  # noqa: PLE0604

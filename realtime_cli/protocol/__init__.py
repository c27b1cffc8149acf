"""The OpenAI Realtime GA wire protocol: msgspec models of every event, the codec, and the
client-side GA rules. No I/O.

    >>> from realtime_cli.protocol import decode_server_event, ResponseOutputTextDelta
    >>> event = decode_server_event(b'{"type":"response.output_text.delta","event_id":"e1",'
    ...     b'"response_id":"r","item_id":"i","output_index":0,"content_index":0,"delta":"Hi"}')
    >>> isinstance(event, ResponseOutputTextDelta), event.delta
    (True, 'Hi')
"""

from realtime_cli.protocol.base import UNSET, Model, Opt, TaggedModel, UnsetType, wire_type
from realtime_cli.protocol.client_events import *  # noqa: F403
from realtime_cli.protocol.client_events import __all__ as _client_all
from realtime_cli.protocol.codec import (
    decode_client_event,
    decode_server_event,
    encode_client_event,
    encode_server_event,
)
from realtime_cli.protocol.errors import InvalidClientEvent, ProtocolError
from realtime_cli.protocol.items import *  # noqa: F403
from realtime_cli.protocol.items import __all__ as _items_all
from realtime_cli.protocol.response import *  # noqa: F403
from realtime_cli.protocol.response import __all__ as _response_all
from realtime_cli.protocol.server_events import *  # noqa: F403
from realtime_cli.protocol.server_events import __all__ as _server_all
from realtime_cli.protocol.session import *  # noqa: F403
from realtime_cli.protocol.session import __all__ as _session_all
from realtime_cli.protocol.tools import *  # noqa: F403
from realtime_cli.protocol.tools import __all__ as _tools_all
from realtime_cli.protocol.transcription import *  # noqa: F403
from realtime_cli.protocol.transcription import __all__ as _transcription_all
from realtime_cli.protocol.unknown import UnknownClientEvent, UnknownServerEvent
from realtime_cli.protocol.validation import MAX_APPEND_BYTES, validate_client_event

__all__ = [  # noqa: PLE0604 - the sub-modules' lists are the public surface
    "MAX_APPEND_BYTES",
    "UNSET",
    "InvalidClientEvent",
    "Model",
    "Opt",
    "ProtocolError",
    "TaggedModel",
    "UnknownClientEvent",
    "UnknownServerEvent",
    "UnsetType",
    "decode_client_event",
    "decode_server_event",
    "encode_client_event",
    "encode_server_event",
    "validate_client_event",
    "wire_type",
    *_client_all,
    *_items_all,
    *_response_all,
    *_server_all,
    *_session_all,
    *_tools_all,
    *_transcription_all,
]

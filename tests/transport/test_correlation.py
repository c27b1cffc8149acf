from __future__ import annotations

import pytest

from realtime_cli.protocol import (
    UNSET,
    Error,
    ErrorDetails,
    InputAudioBufferAppend,
    ResponseCancel,
    ResponseCreate,
    UnknownClientEvent,
)
from realtime_cli.transport.correlation import SentEvents


def error_naming(event_id: str | None) -> Error:
    details = ErrorDetails(type="invalid_request_error", message="m", code="invalid_value")
    if event_id is not None:
        details = ErrorDetails(
            type="invalid_request_error", message="m", code="invalid_value", event_id=event_id
        )
    return Error(event_id="event_9", error=details)


def test_ids_are_assigned_in_order_without_touching_the_callers_event() -> None:
    sent = SentEvents()
    original = ResponseCreate()
    first, first_id = sent.assign_id(original)
    second, second_id = sent.assign_id(ResponseCancel())
    assert (first_id, second_id) == ("evt_1", "evt_2")
    assert isinstance(first, ResponseCreate)
    assert isinstance(second, ResponseCancel)
    assert first.event_id == "evt_1"
    assert second.event_id == "evt_2"
    assert original.event_id is UNSET  # the caller's object is left alone


def test_callers_own_id_is_kept_and_never_reused() -> None:
    sent = SentEvents()
    event, event_id = sent.assign_id(ResponseCreate(event_id="evt_1"))
    assert event_id == "evt_1"
    sent.remember(event_id, event)
    _, fresh = sent.assign_id(ResponseCreate())
    assert fresh == "evt_2"


def test_unknown_events_get_an_id_in_their_raw_object() -> None:
    sent = SentEvents()
    event, event_id = sent.assign_id(UnknownClientEvent("x.y", {"type": "x.y"}))
    assert isinstance(event, UnknownClientEvent)
    assert event.raw == {"type": "x.y", "event_id": event_id}


def test_cause_of_an_error() -> None:
    sent = SentEvents()
    event, event_id = sent.assign_id(ResponseCancel())
    sent.remember(event_id, event)
    assert sent.cause_of(error_naming(event_id)) is event
    assert sent.cause_of(error_naming("evt_404")) is None
    assert sent.cause_of(error_naming(None)) is None


def test_map_is_bounded_and_forgets_the_oldest() -> None:
    sent = SentEvents(capacity=3)
    ids = []
    for _ in range(5):
        event, event_id = sent.assign_id(ResponseCreate())
        sent.remember(event_id, event)
        ids.append(event_id)
    assert len(sent) == 3
    assert sent.get(ids[0]) is None
    assert sent.get(ids[1]) is None
    assert all(sent.get(i) is not None for i in ids[2:])
    with pytest.raises(ValueError):
        SentEvents(capacity=0)


def test_appends_are_remembered_without_audio() -> None:
    sent = SentEvents()
    event, event_id = sent.assign_id(InputAudioBufferAppend(audio=b"\x00\x01" * 1000))
    sent.remember(event_id, event)
    kept = sent.get(event_id)
    assert isinstance(kept, InputAudioBufferAppend)
    assert kept.audio == b""
    assert kept.event_id == event_id

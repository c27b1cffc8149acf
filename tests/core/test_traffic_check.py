"""`check_traffic` and `replay_steps` on hand-made logs: no sockets, no files."""

from __future__ import annotations

from typing import Any

from realtime_cli.core import Interrupted, TranscriptDone
from realtime_cli.core.log_replay import has_audio, replay_steps
from realtime_cli.core.traffic_check import check_traffic
from realtime_cli.transport.event_log_reader import LogEntry, iter_event_log


def _recv(line: int, t: float, event: dict[str, Any]) -> LogEntry:
    return LogEntry(line, t, "recv", event=event)


def _send(line: int, t: float, event: dict[str, Any]) -> LogEntry:
    return LogEntry(line, t, "send", event=event)


def _response(kind: str, rid: str) -> dict[str, Any]:
    return {
        "type": kind,
        "event_id": f"e_{kind}_{rid}",
        "response": {
            "object": "realtime.response",
            "id": rid,
            "status": "in_progress",
            "output": [],
        },
    }


def _item_added(item_id: str, role: str = "assistant") -> dict[str, Any]:
    return {
        "type": "response.output_item.added",
        "event_id": "e",
        "response_id": "r1",
        "output_index": 0,
        "item": {"id": item_id, "type": "message", "role": role, "content": []},
    }


def _audio(item_id: str, nbytes: int, rid: str = "r1") -> dict[str, Any]:
    return {
        "type": "response.output_audio.delta",
        "event_id": "e",
        "response_id": rid,
        "item_id": item_id,
        "output_index": 0,
        "content_index": 0,
        "delta": nbytes,
    }


def _transcript_done(item_id: str, text: str) -> dict[str, Any]:
    return {
        "type": "response.output_audio_transcript.done",
        "event_id": "e",
        "response_id": "r1",
        "item_id": item_id,
        "output_index": 0,
        "content_index": 0,
        "transcript": text,
    }


def test_a_well_ordered_response_has_no_anomaly() -> None:
    frames = [
        _recv(1, 0.0, _response("response.created", "r1")),
        _recv(2, 0.1, _item_added("i1")),
        _recv(3, 0.2, _audio("i1", 48_000)),  # 1 s
        _send(
            4,
            0.5,
            {
                "type": "conversation.item.truncate",
                "event_id": "c1",
                "item_id": "i1",
                "content_index": 0,
                "audio_end_ms": 1000,
            },
        ),
        _recv(5, 0.6, _response("response.done", "r1")),
    ]
    assert check_traffic(frames) == []


def test_events_outside_their_response_and_a_reconnect_forgetting_items() -> None:
    frames = [
        _recv(1, 0.0, _response("response.created", "r1")),
        _recv(2, 0.1, _item_added("i1")),
        _recv(3, 0.2, _response("response.done", "r1")),
        _recv(4, 0.3, _audio("i1", 960)),  # after done
        _recv(5, 0.4, _response("response.done", "r9")),  # never created
        _recv(
            6,
            0.5,
            {
                "type": "session.created",
                "event_id": "s",
                "session": {"type": "realtime", "object": "realtime.session"},
            },
        ),
        _recv(7, 0.6, _response("response.created", "r2")),
        _recv(8, 0.7, _audio("i1", 960, rid="r2")),  # i1 belonged to the old connection
    ]
    kinds = [(a.line, a.kind) for a in check_traffic(frames)]
    assert kinds == [
        (4, "event after its response ended"),
        (5, "unknown response"),
        (8, "event for an unknown item"),
    ]


def test_an_error_names_what_caused_it_and_a_malformed_event_is_reported() -> None:
    frames = [
        _send(1, 0.0, {"type": "response.cancel", "event_id": "c7"}),
        _recv(
            2,
            0.1,
            {
                "type": "error",
                "event_id": "e",
                "error": {
                    "type": "invalid_request_error",
                    "code": "response_cancel_not_active",
                    "message": "no active response",
                    "param": None,
                    "event_id": "c7",
                },
            },
        ),
        _recv(3, 0.2, {"type": "response.created", "event_id": "e", "response": 5}),
        *iter_event_log(iter(['{"t": 0.3, "dir": "send"}'])),
    ]
    found = [str(a) for a in check_traffic(frames)]
    assert found[0] == (
        "line 2 (t=0.100 s): server error: response_cancel_not_active: no active response "
        "(caused by response.cancel sent at line 1, t=0.000 s)"
    )
    assert found[1].startswith("line 3 (t=0.200 s): malformed event:")
    assert found[2] == "line 1 (t=0.300 s): unreadable line: neither 'event' nor 'raw'"


def test_replay_takes_the_heard_audio_from_the_live_runs_local_truncation() -> None:
    frames = [
        _recv(1, 0.0, _response("response.created", "r1")),
        _recv(2, 0.1, _item_added("i1")),
        _recv(3, 0.2, _audio("i1", 96_000)),  # 2 s
        _recv(4, 0.3, _transcript_done("i1", "one two three four")),
        # no speech_started: the live run barged in on its own (a key, local detector)
        _send(
            5,
            0.9,
            {
                "type": "conversation.item.truncate",
                "event_id": "c1",
                "item_id": "i1",
                "content_index": 0,
                "audio_end_ms": 700,
            },
        ),
    ]
    actions = [a for step in replay_steps(frames) for a in step.actions]
    cut = [a for a in actions if isinstance(a, Interrupted)]
    assert [(a.item_id, a.heard_ms, a.received_ms) for a in cut] == [("i1", 700, 2000)]
    assert any(isinstance(a, TranscriptDone) for a in actions)
    assert not has_audio(frames)

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

from realtime_cli.protocol import (
    ContentPart,
    ConversationItemCreate,
    InputAudioBufferAppend,
    MessageItem,
    encode_client_event,
)
from realtime_cli.transport.event_log import EventLog, redact_audio

from .helpers import API_KEY

PCM = b"\x01\x00" * 480  # 20 ms at 24 kHz


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_send_append_logs_the_audio_length_only() -> None:
    stream = io.StringIO()
    clock = FakeClock()
    log = EventLog(stream, clock=clock)
    clock.now = 101.25
    log.record("send", encode_client_event(InputAudioBufferAppend(audio=PCM, event_id="evt_1")))
    [entry] = lines(stream)
    assert entry == {
        "t": 1.25,
        "dir": "send",
        "event": {"type": "input_audio_buffer.append", "event_id": "evt_1", "audio": 960},
    }


def test_recv_audio_delta_and_item_audio_are_redacted() -> None:
    stream = io.StringIO()
    log = EventLog(stream)
    b64 = base64.b64encode(PCM[:-1]).decode()  # 959 bytes: padded base64
    log.record(
        "recv",
        json.dumps(
            {
                "type": "response.output_audio.delta",
                "event_id": "e",
                "response_id": "r",
                "item_id": "i",
                "output_index": 0,
                "content_index": 0,
                "delta": b64,
            }
        ),
    )
    log.record(
        "recv",
        json.dumps(
            {
                "type": "response.done",
                "event_id": "e2",
                "response": {
                    "output": [
                        {
                            "type": "message",
                            "content": [{"type": "output_audio", "audio": b64, "transcript": "hi"}],
                        }
                    ],
                    "audio": {"output": {"voice": "marin"}},
                },
            }
        ),
    )
    log.record(
        "send",
        encode_client_event(
            ConversationItemCreate(
                item=MessageItem(role="user", content=[ContentPart.input_audio(PCM)])
            )
        ),
    )
    delta, done, create = (entry["event"] for entry in lines(stream))
    assert delta["delta"] == 959
    part = done["response"]["output"][0]["content"][0]
    assert part == {"type": "output_audio", "audio": 959, "transcript": "hi"}
    assert done["response"]["audio"] == {"output": {"voice": "marin"}}  # config is untouched
    assert create["item"]["content"][0]["audio"] == 960


def test_log_audio_keeps_payloads() -> None:
    stream = io.StringIO()
    log = EventLog(stream, log_audio=True)
    log.record("send", encode_client_event(InputAudioBufferAppend(audio=PCM)))
    [entry] = lines(stream)
    assert base64.b64decode(entry["event"]["audio"]) == PCM


def test_non_json_frames_are_logged_raw() -> None:
    stream = io.StringIO()
    log = EventLog(stream)
    log.record("recv", b"not json\n")
    log.record("recv", "[1, 2]")
    first, second = lines(stream)
    assert first["raw"] == "not json\n"
    assert "event" not in first
    assert second["raw"] == "[1, 2]"


def test_the_key_is_scrubbed_from_any_field() -> None:
    stream = io.StringIO()
    log = EventLog(stream, secrets=(API_KEY,))
    log.record("recv", json.dumps({"type": "error", "error": {"message": f"bad key {API_KEY}"}}))
    log.record("recv", f"garbage {API_KEY}")
    assert API_KEY not in stream.getvalue()
    assert "bad key ***" in stream.getvalue()


def test_file_log_is_flushed_per_line(tmp_path: Path) -> None:
    path = tmp_path / "traffic.jsonl"
    log = EventLog.open(path)
    log.add_secret(API_KEY)
    log.record("send", b'{"type":"response.create"}')
    # Read through another handle before closing: the line must already be on disk.
    assert json.loads(path.read_text())["event"] == {"type": "response.create"}
    log.record("recv", b'{"type":"x"}')
    log.close()
    log.close()
    assert len(path.read_text().splitlines()) == 2
    assert log.lines_written == 2
    assert "traffic.jsonl" in repr(log)


def test_redact_audio_leaves_the_input_alone() -> None:
    event = {"type": "input_audio_buffer.append", "audio": "AAAA"}
    assert redact_audio(event) == {"type": "input_audio_buffer.append", "audio": 3}
    assert event["audio"] == "AAAA"

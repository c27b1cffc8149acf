"""The fuzz targets: each runs hypothesis for a number of examples and raises on a failure."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from realtime_cli.core import ConversationCore, Send
from realtime_cli.protocol import (
    SERVER_EVENT_TYPES,
    ConversationItemTruncate,
    ProtocolError,
    ResponseCancel,
    ResponseCreate,
    ResponseCreated,
    decode_client_event,
    decode_server_event,
)
from tests.core import script
from tests.protocol.strategies import events

SERVER = events(list(SERVER_EVENT_TYPES.values()))


def _settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


def _decode_only_protocol_errors(data: bytes) -> None:
    for decode in (decode_server_event, decode_client_event):
        with contextlib.suppress(ProtocolError):
            decode(data)


def fuzz_decoder(examples: int) -> None:
    """Garbage, mutated and truncated frames raise nothing but ProtocolError."""

    @_settings(examples)
    @given(
        st.one_of(st.binary(max_size=300), SERVER.map(lambda p: json.dumps(p).encode())), st.data()
    )
    def check(frame: bytes, data: st.DataObject) -> None:
        mutated = bytearray(frame)
        if mutated and data.draw(st.booleans()):
            for _ in range(data.draw(st.integers(1, 5))):
                mutated[data.draw(st.integers(0, len(mutated) - 1))] = data.draw(
                    st.integers(0, 255)
                )
        if mutated and data.draw(st.booleans()):
            mutated = mutated[: data.draw(st.integers(0, len(mutated)))]
        _decode_only_protocol_errors(bytes(mutated))

    check()


RESPONSES = st.sampled_from(["r1", "r2", "r3"])
ITEMS = st.sampled_from(["i1", "i2", "i3"])
CALLS = st.sampled_from(["c1", "c2"])

STEP = st.one_of(
    st.builds(
        lambda a, b: ("event", script.session(interrupt_response=a, create_response=b)),
        st.booleans(),
        st.booleans(),
    ),
    st.builds(lambda: ("event", script.manual_session())),
    st.builds(lambda r: ("event", script.created(r)), RESPONSES),
    st.builds(
        lambda r, s: ("event", script.done(r, s, "turn_detected" if s == "cancelled" else None)),
        RESPONSES,
        st.sampled_from(["completed", "cancelled", "incomplete", "failed"]),
    ),
    st.builds(
        lambda r, i, ms: ("event", script.audio(r, i, ms)), RESPONSES, ITEMS, st.integers(0, 400)
    ),
    st.builds(lambda r, i: ("event", script.transcript(r, i, "word ")), RESPONSES, ITEMS),
    st.builds(lambda ms: ("event", script.speech_started(ms)), st.integers(0, 10_000)),
    st.builds(lambda i: ("event", script.committed(i)), ITEMS),
    st.builds(lambda r, c: ("event", script.function_call(r, c, "tool")), RESPONSES, CALLS),
    st.builds(
        lambda code, cause: ("error", script.error(code), cause),
        st.sampled_from(
            [
                "conversation_already_has_active_response",
                "response_cancel_not_active",
                "invalid_value",
            ]
        ),
        st.sampled_from([None, ResponseCreate(), ResponseCancel()]),
    ),
    st.builds(
        lambda heard: ("flushed", heard),
        st.dictionaries(ITEMS, st.integers(-100, 20_000), max_size=3),
    ),
    st.builds(lambda i, ms: ("heard", i, ms), ITEMS, st.integers(-100, 20_000)),
    st.just(("local_onset",)),
    st.just(("barge_in",)),
    st.just(("request",)),
    st.builds(lambda c: ("tool_result", c), CALLS),
    st.builds(lambda dt: ("tick", dt), st.floats(0, 5)),
)


def _apply(core: ConversationCore, step: tuple[Any, ...], now: float) -> list[object]:
    kind = step[0]
    if kind == "event":
        return list(core.receive(step[1], now))
    if kind == "error":
        return list(core.receive(step[1], now, caused_by=step[2]))
    if kind == "flushed":
        return list(core.playback_flushed(step[1], now))
    if kind == "heard":
        core.audio_heard(step[1], step[2])
        return []
    if kind == "local_onset":
        return list(core.local_speech_started(now))
    if kind == "barge_in":
        return list(core.barge_in(now))
    if kind == "request":
        return list(core.request_response())
    if kind == "tool_result":
        return list(core.tool_result(step[1], "{}"))
    return list(core.tick(now))


def fuzz_core(examples: int) -> None:
    """Random event orders: no exception, and the core's invariants hold at every step."""

    @_settings(examples)
    @given(st.lists(STEP, max_size=40))
    def check(steps: list[tuple[Any, ...]]) -> None:
        core = ConversationCore()
        now = 0.0
        open_create = False  # we sent response.create and saw no response.created yet
        for step in steps:
            now += step[1] if step[0] == "tick" else 0.01
            received_before = {k: t.received_ms for k, t in core.tracks.items()}
            actions = _apply(core, step, now)
            if step[0] == "event" and isinstance(step[1], ResponseCreated):
                open_create = False
            if step[0] == "error" and isinstance(step[2], ResponseCreate):
                open_create = False
            for action in actions:
                if not isinstance(action, Send):
                    continue
                event = action.event
                if isinstance(event, ResponseCreate):
                    assert not open_create, "a second response.create while one is in flight"
                    assert core.active_response is None, "create while a response is active"
                    open_create = True
                if isinstance(event, ConversationItemTruncate):
                    limit = received_before.get(event.item_id, 0)
                    assert 0 <= event.audio_end_ms <= limit, "truncate beyond received audio"
            for track in core.tracks.values():
                assert 0 <= track.heard_ms <= track.received_ms, "heard more than received"

    check()


TARGETS: dict[str, Callable[[int], None]] = {"decoder": fuzz_decoder, "core": fuzz_core}

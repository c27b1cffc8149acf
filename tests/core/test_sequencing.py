"""Response sequencing, tool calls, item order and usage, scripted."""

from __future__ import annotations

from realtime_cli.core import (
    CancelTool,
    ConversationCore,
    CoreConfig,
    FollowUpDropped,
    ItemOrder,
    Notice,
    ResponseFinished,
    RunTool,
    Send,
)
from realtime_cli.protocol import (
    ConversationItemCreate,
    FunctionCallOutputItem,
    ResponseCreate,
    ResponseCreateParams,
)
from tests.core import script


def _sent(actions: list[object]) -> list[object]:
    return [a.event for a in actions if isinstance(a, Send)]


def _creates(actions: list[object]) -> int:
    return sum(isinstance(e, ResponseCreate) for e in _sent(actions))


def test_one_response_create_in_flight_and_the_rest_wait_for_done() -> None:
    core = ConversationCore()
    core.receive(script.manual_session(), 0.0)
    assert _creates(core.request_response()) == 1
    assert _creates(core.request_response(ResponseCreateParams(instructions="second"))) == 0
    assert core.receive(script.created("resp_1"), 0.1) != []
    assert _creates(core.request_response()) == 0
    after_done = core.receive(script.done("resp_1"), 0.5)
    sent = _sent(after_done)
    assert sent == [ResponseCreate(response=ResponseCreateParams(instructions="second"))]
    core.receive(script.created("resp_2"), 0.6)
    assert _creates(core.receive(script.done("resp_2"), 0.9)) == 1  # the third request


def test_waits_for_the_servers_automatic_response_after_a_committed_turn() -> None:
    core = ConversationCore()
    core.receive(script.session(create_response=True), 0.0)
    core.receive(script.committed("item_u1"), 1.0)
    assert _creates(core.request_response()) == 0  # the server is about to create one
    core.receive(script.created("resp_auto"), 1.1)
    assert _creates(core.receive(script.done("resp_auto"), 2.0)) == 1


def test_gives_up_waiting_for_an_automatic_response_that_never_comes() -> None:
    core = ConversationCore()
    core.receive(script.session(create_response=True), 0.0)
    core.receive(script.committed("item_u1"), 1.0)
    assert _creates(core.request_response()) == 0
    assert core.tick(2.0) == []
    assert _creates(core.tick(5.0)) == 1


def test_already_active_error_requeues_instead_of_failing() -> None:
    core = ConversationCore()
    core.receive(script.manual_session(), 0.0)
    (create,) = _sent(core.request_response())
    actions = core.receive(
        script.error("conversation_already_has_active_response"), 0.1, caused_by=create
    )
    assert [type(a) for a in actions] == [Notice]
    core.receive(script.created("resp_other"), 0.2)
    assert _creates(core.receive(script.done("resp_other"), 0.3)) == 1


def test_parallel_tool_calls_are_answered_with_one_follow_up() -> None:
    core = ConversationCore()
    core.receive(script.manual_session(), 0.0)
    core.request_response()
    core.receive(script.created("resp_1"), 0.1)
    run_a = core.receive(
        script.function_call("resp_1", "call_a", "weather", '{"city":"Oslo"}'), 0.2
    )
    run_b = core.receive(script.function_call("resp_1", "call_b", "time"), 0.2)
    assert run_a == [RunTool("call_a", "weather", '{"city":"Oslo"}')]
    assert run_b == [RunTool("call_b", "time", "{}")]
    # one result before response.done, one after: exactly one follow-up, after the last
    first = core.tool_result("call_a", '{"temp": 3}')
    assert _sent(first) == [
        ConversationItemCreate(item=FunctionCallOutputItem(call_id="call_a", output='{"temp": 3}'))
    ]
    done = core.receive(script.done("resp_1"), 0.3)
    assert _creates(done) == 0
    second = core.tool_result("call_b", '{"error": "clock unavailable"}')  # a failing tool
    assert _creates(second) == 1
    assert isinstance(_sent(second)[0], ConversationItemCreate)


def test_results_before_done_follow_up_on_done() -> None:
    core = ConversationCore()
    core.receive(script.manual_session(), 0.0)
    core.request_response()
    core.receive(script.created("resp_1"), 0.1)
    core.receive(script.function_call("resp_1", "call_a", "x"), 0.2)
    assert _creates(core.tool_result("call_a", "ok")) == 0
    assert _creates(core.receive(script.done("resp_1"), 0.3)) == 1


def _follow_up_params(actions: list[object]) -> ResponseCreateParams | None:
    (create,) = [e for e in _sent(actions) if isinstance(e, ResponseCreate)]
    return create.response if isinstance(create.response, ResponseCreateParams) else None


def test_the_follow_up_answers_as_the_response_that_called_the_tools_was_asked() -> None:
    core = ConversationCore()
    core.receive(script.manual_session(), 0.0)
    asked = ResponseCreateParams(
        output_modalities=["text"],
        instructions="Be brief.",
        metadata={"rt_request": "req_7"},
        tool_choice="required",
    )
    core.request_response(asked)
    core.receive(script.created("resp_1"), 0.1)
    core.receive(script.function_call("resp_1", "call_a", "add"), 0.2)
    (finished,) = [
        a for a in core.receive(script.done("resp_1"), 0.3) if isinstance(a, ResponseFinished)
    ]
    assert finished.follow_up
    params = _follow_up_params(core.tool_result("call_a", "42"))
    assert params == ResponseCreateParams(
        output_modalities=["text"], instructions="Be brief.", metadata={"rt_request": "req_7"}
    )  # a forced tool_choice is not repeated: it would only call the tool again


def test_the_follow_up_of_a_server_made_response_uses_the_session_settings() -> None:
    core = ConversationCore()
    core.receive(script.session(), 0.0)
    core.receive(script.created("resp_1"), 0.1)  # voice activity made it, not rt
    core.receive(script.function_call("resp_1", "call_a", "add"), 0.2)
    core.receive(script.done("resp_1"), 0.3)
    assert _follow_up_params(core.tool_result("call_a", "42")) is None


def test_a_barge_in_after_the_response_drops_its_promised_follow_up() -> None:
    core = ConversationCore()
    core.receive(script.session(), 0.0)
    core.receive(script.created("resp_1"), 0.1)
    core.receive(script.audio("resp_1", "item_a", 800), 0.1)
    core.receive(script.function_call("resp_1", "call_a", "slow"), 0.2)
    (finished,) = [
        a for a in core.receive(script.done("resp_1"), 0.3) if isinstance(a, ResponseFinished)
    ]
    assert finished.follow_up  # the tool is still running
    core.receive(script.speech_started(), 0.4)  # the user cuts in while its audio plays
    core.playback_flushed({"item_a": 300}, 0.4)
    after = core.tool_result("call_a", "late")
    assert _creates(after) == 0
    assert FollowUpDropped("resp_1") in after


def test_no_follow_up_when_switched_off() -> None:
    core = ConversationCore(CoreConfig(auto_tool_response=False))
    core.receive(script.manual_session(), 0.0)
    core.request_response()
    core.receive(script.created("resp_1"), 0.1)
    core.receive(script.function_call("resp_1", "call_a", "x"), 0.2)
    core.receive(script.done("resp_1"), 0.3)
    assert _creates(core.tool_result("call_a", "ok")) == 0


def test_interrupted_tool_calls_are_cancelled_without_follow_up() -> None:
    core = ConversationCore()
    core.receive(script.session(interrupt_response=True), 0.0)
    core.receive(script.created("resp_1"), 0.1)
    core.receive(script.function_call("resp_1", "call_a", "slow"), 0.2)
    core.receive(script.speech_started(), 0.3)
    done = core.receive(script.done("resp_1", "cancelled", "turn_detected"), 0.4)
    assert CancelTool("call_a") in done
    assert _creates(core.tool_result("call_a", "late")) == 0


def test_usage_is_summed_and_unheard_audio_counted() -> None:
    core = ConversationCore()
    core.receive(script.session(), 0.0)
    core.receive(script.created("resp_1"), 0.0)
    core.receive(script.audio("resp_1", "item_a", 800), 0.0)
    core.receive(script.speech_started(), 0.5)
    core.playback_flushed({"item_a": 300}, 0.5)
    (finished,) = [
        a
        for a in core.receive(script.done("resp_1", "cancelled", "turn_detected", 40), 0.6)
        if isinstance(a, ResponseFinished)
    ]
    assert (finished.generated_audio_ms, finished.heard_audio_ms) == (800, 300)
    assert finished.reason == "turn_detected"
    core.receive(script.created("resp_2"), 1.0)
    core.receive(script.done("resp_2", tokens=60), 1.1)
    assert core.usage_total.total_tokens == 100


def test_items_follow_previous_item_id_not_arrival() -> None:
    order = ItemOrder()
    order.add("c", "b")  # arrives before its predecessor
    order.add("a", None)
    order.add("b", "a")
    order.add("d")
    order.add("first", "root")
    order.add("a2", "a")  # inserted between a and b
    assert order.ids() == ["first", "a", "a2", "b", "c", "d"]
    order.add("b", "a")  # repeated (item.added then item.done): no change
    order.remove("a2")
    assert order.ids() == ["first", "a", "b", "c", "d"]


def test_core_orders_items_from_events() -> None:
    core = ConversationCore()
    core.receive(script.item_added("i3", "i2"), 0.0)
    core.receive(script.item_added("i1", None), 0.0)
    core.receive(script.committed("i2", "i1"), 0.0)
    assert core.items.ids() == ["i1", "i2", "i3"]


def test_history_is_in_order_and_keeps_only_what_was_heard() -> None:
    from realtime_cli.protocol import (
        ContentPart,
        ConversationItemDone,
        ConversationItemInputAudioTranscriptionCompleted,
        MessageItem,
        TranscriptionDurationUsage,
    )

    def done(item_id: str, role: str, part: ContentPart, previous: str | None) -> object:
        item = MessageItem(role=role, content=[part], id=item_id)
        return ConversationItemDone(event_id="e", item=item, previous_item_id=previous)

    core = ConversationCore()
    core.receive(script.session(), 0.0)
    core.receive(done("u1", "user", ContentPart(type="input_audio", transcript=None), None), 0.0)
    core.receive(
        ConversationItemInputAudioTranscriptionCompleted(
            event_id="e",
            item_id="u1",
            content_index=0,
            transcript="Tell me a story",
            usage=TranscriptionDurationUsage(seconds=1.0),
        ),
        0.1,
    )
    core.receive(script.created("resp_1"), 0.2)
    core.receive(script.transcript("resp_1", "a1", "once upon a time there was"), 0.2)
    for _ in range(10):
        core.receive(script.audio("resp_1", "a1", 100), 0.2)
    full = ContentPart(type="output_audio", transcript="once upon a time there was")
    core.receive(done("a1", "assistant", full, "u1"), 0.3)  # type: ignore[arg-type]
    core.receive(script.speech_started(), 0.6)
    core.playback_flushed({"a1": 500}, 0.6)
    core.receive(done("t1", "user", ContentPart.input_text("typed"), "a1"), 0.7)  # type: ignore[arg-type]
    history = core.history()
    assert history[0] == ("user", "Tell me a story")
    assert history[1][0] == "assistant"
    assert "once upon a time there was".startswith(history[1][1])
    assert len(history[1][1]) < len("once upon a time there was")
    assert history[2] == ("user", "typed")

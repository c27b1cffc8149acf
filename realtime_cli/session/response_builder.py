"""`ResponseBuilder`: a `response.create` assembled step by step.

    await ResponseBuilder().output_text().instructions("Be concise.") \\
        .input_text("Summarize this.").send(session)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from realtime_cli.protocol import (
    ContentPart,
    Item,
    ItemReference,
    MessageItem,
    OutputAudioConfig,
    ResponseAudio,
    ResponseCreateParams,
    Tool,
    ToolChoice,
)

if TYPE_CHECKING:
    from realtime_cli.session.voice_session import ResponseHandle

__all__ = ["ResponseBuilder"]


class _Sender(Protocol):
    async def create_response(self, params: ResponseCreateParams) -> ResponseHandle: ...


class ResponseBuilder:
    """Builds the parameters of one response; each method returns the builder."""

    def __init__(self) -> None:
        self._params = ResponseCreateParams()
        self._input: list[Item | ItemReference] | None = None

    def output_text(self) -> ResponseBuilder:
        """Answer in text."""
        self._params.output_modalities = ["text"]
        return self

    def output_audio(self) -> ResponseBuilder:
        """Answer in audio (with its transcript)."""
        self._params.output_modalities = ["audio"]
        return self

    def instructions(self, text: str) -> ResponseBuilder:
        """Instructions for this response only."""
        self._params.instructions = text
        return self

    def input_text(self, text: str, role: str = "user") -> ResponseBuilder:
        """Add a text message to this response's input (its whole context when given)."""
        self._items().append(MessageItem(role=role, content=[ContentPart.input_text(text)]))
        return self

    def input_item(self, item: Item | ItemReference) -> ResponseBuilder:
        """Add an item, or a reference to an existing one, to the input."""
        self._items().append(item)
        return self

    def metadata(self, **values: str) -> ResponseBuilder:
        """Metadata echoed on the response (keys <= 64 chars, values <= 512)."""
        current = self._params.metadata if isinstance(self._params.metadata, dict) else {}
        self._params.metadata = {**current, **values}
        return self

    def out_of_band(self) -> ResponseBuilder:
        """`conversation: "none"`: the response is not added to the conversation."""
        self._params.conversation = "none"
        return self

    def tool_choice(self, choice: ToolChoice) -> ResponseBuilder:
        """`auto`, `none`, `required`, or a specific tool."""
        self._params.tool_choice = choice
        return self

    def tools(self, tools: list[Tool]) -> ResponseBuilder:
        """Tools for this response only."""
        self._params.tools = tools
        return self

    def max_output_tokens(self, tokens: int | str) -> ResponseBuilder:
        """A token limit for this response (1-4096 or "inf")."""
        self._params.max_output_tokens = tokens  # type: ignore[assignment]
        return self

    def voice(self, voice: str) -> ResponseBuilder:
        """The voice of this response (only before the session has produced audio)."""
        self._params.audio = ResponseAudio(output=OutputAudioConfig(voice=voice))
        return self

    def _items(self) -> list[Item | ItemReference]:
        if self._input is None:
            self._input = []
            self._params.input = self._input
        return self._input

    def build(self) -> ResponseCreateParams:
        """The parameters as built so far."""
        return self._params

    async def send(self, session: _Sender) -> ResponseHandle:
        """Ask the session for this response (it waits its turn behind an active one)."""
        return await session.create_response(self._params)

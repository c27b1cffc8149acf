"""Conversation items and their content parts."""

from __future__ import annotations

from typing import Any

from realtime_cli.protocol.base import UNSET, Model, Opt, TaggedModel

__all__ = [
    "ContentPart",
    "FunctionCallItem",
    "FunctionCallOutputItem",
    "Item",
    "ItemReference",
    "McpApprovalRequestItem",
    "McpApprovalResponseItem",
    "McpCallItem",
    "McpHttpError",
    "McpListToolsItem",
    "McpListedTool",
    "McpProtocolError",
    "McpToolExecutionError",
    "MessageItem",
]


class ContentPart(Model):
    """A part of a message: `input_text`, `input_audio`, `input_image`, `output_text` or
    `output_audio` (and the beta `text`/`audio`, which retrieved items may still show).

    One class rather than a tagged union because the wire allows `type` to be absent.
    `audio` is raw PCM bytes here; msgspec base64-encodes and decodes it in C.
    """

    type: Opt[str] = UNSET
    text: Opt[str] = UNSET
    audio: Opt[bytes] = UNSET
    transcript: Opt[str] = UNSET
    image_url: Opt[str] = UNSET
    detail: Opt[str] = UNSET

    @classmethod
    def input_text(cls, text: str) -> ContentPart:
        """User or system text."""
        return cls(type="input_text", text=text)

    @classmethod
    def input_audio(cls, pcm16: bytes) -> ContentPart:
        """User audio, 24 kHz mono PCM16 little-endian."""
        return cls(type="input_audio", audio=pcm16)

    @classmethod
    def input_image(cls, image_url: str, detail: str | None = None) -> ContentPart:
        """A user image as a data URL."""
        return cls(
            type="input_image", image_url=image_url, detail=UNSET if detail is None else detail
        )

    @classmethod
    def output_text(cls, text: str) -> ContentPart:
        """Assistant text."""
        return cls(type="output_text", text=text)


class MessageItem(TaggedModel, tag="message"):
    """A system, user or assistant message (`role` tells which)."""

    role: str
    content: list[ContentPart]
    id: Opt[str] = UNSET
    object: Opt[str] = UNSET
    status: Opt[str] = UNSET

    @classmethod
    def user_text(cls, text: str, *, id: str | None = None) -> MessageItem:
        """A user message holding one text part."""
        return cls(
            role="user", content=[ContentPart.input_text(text)], id=UNSET if id is None else id
        )

    @classmethod
    def system_text(cls, text: str, *, id: str | None = None) -> MessageItem:
        """A system message holding one text part."""
        return cls(
            role="system", content=[ContentPart.input_text(text)], id=UNSET if id is None else id
        )

    @classmethod
    def assistant_text(cls, text: str, *, id: str | None = None) -> MessageItem:
        """An assistant message holding one text part (assistant audio cannot be created)."""
        return cls(
            role="assistant",
            content=[ContentPart.output_text(text)],
            id=UNSET if id is None else id,
        )


class FunctionCallItem(TaggedModel, tag="function_call"):
    """The model's call of a function tool; `arguments` is a JSON string."""

    name: str
    arguments: str
    call_id: Opt[str] = UNSET
    id: Opt[str] = UNSET
    object: Opt[str] = UNSET
    status: Opt[str] = UNSET


class FunctionCallOutputItem(TaggedModel, tag="function_call_output"):
    """The result of a function call, sent back by the client; `output` is a string."""

    call_id: str
    output: str
    id: Opt[str] = UNSET
    object: Opt[str] = UNSET
    status: Opt[str] = UNSET


class McpListedTool(Model):
    """A tool an MCP server offers."""

    name: str
    input_schema: Any
    description: Opt[str] = UNSET
    annotations: Opt[Any] = UNSET


class McpListToolsItem(TaggedModel, tag="mcp_list_tools"):
    """The tools an MCP server listed."""

    server_label: str
    tools: list[McpListedTool]
    id: Opt[str] = UNSET


class McpProtocolError(TaggedModel, tag="protocol_error"):
    """An MCP protocol error."""

    code: int
    message: str


class McpToolExecutionError(TaggedModel, tag="tool_execution_error"):
    """An MCP tool failed while running."""

    message: str


class McpHttpError(TaggedModel, tag="http_error"):
    """The MCP server answered with an HTTP error."""

    code: int
    message: str


class McpCallItem(TaggedModel, tag="mcp_call"):
    """A call of an MCP tool, with its output or error once done."""

    id: str
    server_label: str
    name: str
    arguments: str
    approval_request_id: Opt[str] = UNSET
    output: Opt[str] = UNSET
    error: Opt[McpProtocolError | McpToolExecutionError | McpHttpError] = UNSET


class McpApprovalRequestItem(TaggedModel, tag="mcp_approval_request"):
    """The model asks the user to approve an MCP tool call."""

    id: str
    server_label: str
    name: str
    arguments: str


class McpApprovalResponseItem(TaggedModel, tag="mcp_approval_response"):
    """The user's answer to an `mcp_approval_request`."""

    id: str
    approval_request_id: str
    approve: bool
    reason: Opt[str] = UNSET


class ItemReference(TaggedModel, tag="item_reference"):
    """A reference to an existing item, usable in `response.create` input."""

    id: str


#: Any conversation item.
Item = (
    MessageItem
    | FunctionCallItem
    | FunctionCallOutputItem
    | McpListToolsItem
    | McpCallItem
    | McpApprovalRequestItem
    | McpApprovalResponseItem
)

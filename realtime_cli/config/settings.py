"""`Settings`: every session and client setting rt reads from a profile, one Struct per table.

The structs forbid unknown fields so that a misspelt key in a profile is an error rather than a
silently ignored setting. Field defaults are rt's built-in defaults; `configs/default.toml`
repeats them for documentation and a test keeps the two equal.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

__all__ = [
    "AudioSettings",
    "CommandTool",
    "EnvValue",
    "FunctionTool",
    "McpServer",
    "Settings",
    "ToolParameter",
    "TranscriptionSettings",
    "VadSettings",
]

# `extra={"expected": ...}` is the phrase used in error messages where the constraint alone
# (a regex) would read badly; see explain.py.
_NonEmpty = Annotated[str, Meta(min_length=1, extra={"expected": "a non-empty string"})]
#: The voices the service offers; checked here so a typo fails before connecting.
Voice = Literal[
    "alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse", "marin", "cedar"
]
_HttpUrl = Annotated[
    str, Meta(pattern=r"^https?://\S+$", extra={"expected": "a URL starting with http(s)://"})
]
_WsUrl = Annotated[
    str,
    Meta(
        pattern=r"^(wss?|https?)://\S+$",
        extra={"expected": "a URL starting with ws(s):// or http(s)://"},
    ),
]
_EnvName = Annotated[
    str,
    Meta(
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        extra={"expected": "an environment variable name"},
    ),
]
_ToolName = Annotated[
    str,
    Meta(
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        extra={"expected": "1 to 64 letters, digits, '_' or '-'"},
    ),
]
_Device = Annotated[int, Meta(ge=0)] | Annotated[str, Meta(min_length=1)]
_SampleRate = Annotated[int, Meta(ge=8000, le=384000)]


class _Table(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Base of every settings table: immutable, keyword-only, unknown keys rejected."""


class VadSettings(_Table, frozen=True):
    """Turn detection (`audio.input.turn_detection`).

    `type = "none"` means manual turns (push-to-talk). Keys that do not apply to the chosen
    type (`threshold` with semantic_vad, `eagerness` with server_vad) are ignored, so a profile
    can switch type without clearing the other type's keys.
    """

    type: Literal["server_vad", "semantic_vad", "none"] = "server_vad"
    threshold: Annotated[float, Meta(ge=0, le=1)] = 0.5
    prefix_padding_ms: Annotated[int, Meta(ge=0, le=10_000)] = 300
    silence_duration_ms: Annotated[int, Meta(ge=0, le=10_000)] = 500
    idle_timeout_ms: Annotated[int, Meta(ge=1)] | None = None
    eagerness: Literal["low", "medium", "high", "auto"] = "auto"
    create_response: bool = True
    interrupt_response: bool = True


class TranscriptionSettings(_Table, frozen=True):
    """Transcription of the user's speech (`audio.input.transcription`); `model = ""` is off."""

    model: str = ""
    language: str = ""
    prompt: str = ""
    logprobs: bool = False


class AudioSettings(_Table, frozen=True):
    """Local audio devices and buffering; never sent to the server.

    A device is a PortAudio index or a substring of its name; unset means the system default.
    A sample rate left unset means the device's native rate. `echo`: `aec` cancels the
    speaker's echo in the microphone (full duplex), `gate` mutes the microphone while the
    assistant speaks (half duplex), `off` for headphones.
    """

    input_device: _Device | None = None
    output_device: _Device | None = None
    frame_ms: Annotated[int, Meta(ge=10, le=100)] = 20
    #: A floor for the adaptive jitter buffer's start target (0: adaptive only).
    prebuffer_ms: Annotated[int, Meta(ge=0, le=5000)] = 0
    input_sample_rate: _SampleRate | None = None
    output_sample_rate: _SampleRate | None = None
    echo: Literal["aec", "gate", "off"] = "aec"


class FunctionTool(_Table, frozen=True):
    """A function the model may call; `parameters` is a JSON Schema object."""

    name: _ToolName
    type: Literal["function"] = "function"
    description: str | None = None
    parameters: dict[str, Any] | None = None


class ToolParameter(_Table, frozen=True):
    """One argument of a command tool: becomes a property of the tool's JSON Schema."""

    type: Literal["string", "integer", "number", "boolean"] = "string"
    description: str | None = None
    enum: tuple[str | int | float, ...] | None = None
    required: bool = True


class CommandTool(_Table, frozen=True):
    """A program the model may run (`[profiles.NAME.tools.LABEL]`), only from the user's own
    config file. `{name}` in an argv element is replaced by that argument's value; the
    arguments also arrive as JSON on stdin and in `$RT_TOOL_ARGUMENTS`. No shell is involved.
    """

    command: Annotated[tuple[str, ...], Meta(min_length=1)]
    description: str | None = None
    parameters: dict[_ToolName, ToolParameter] = msgspec.field(default_factory=dict)
    timeout: Annotated[float, Meta(gt=0, le=3600)] = 30.0
    confirm: bool = False


class EnvValue(_Table, frozen=True):
    """A value read from an environment variable (`{ env = "NAME" }`), so a secret is never
    written in the file."""

    env: _EnvName


class McpServer(_Table, frozen=True):
    """A hosted MCP server the service calls (`[profiles.NAME.mcp.LABEL]`).

    `require_approval` is "always", "never", or a table of tool name -> "always"/"never"
    (tools not named there need approval). Header values come from environment variables.
    """

    server_url: _HttpUrl | None = None
    connector_id: str | None = None
    description: str | None = None
    headers: dict[str, EnvValue] = msgspec.field(default_factory=dict)
    allowed_tools: tuple[str, ...] | None = None
    require_approval: Literal["always", "never"] | dict[str, Literal["always", "never"]] = "always"


class Settings(_Table, frozen=True):
    """The resolved settings of one rt profile.

    `api_key` is allowed in a profile but discouraged (use the variable named by
    `api_key_env`); it is redacted from `repr` and from `rt config show`.
    """

    model: _NonEmpty = "gpt-realtime"
    voice: Voice = "marin"
    instructions: str | None = None
    output_modality: Literal["audio", "text"] = "audio"
    speed: Annotated[float, Meta(ge=0.25, le=1.5)] = 1.0
    max_output_tokens: Annotated[int, Meta(ge=1, le=4096)] | Literal["inf"] = "inf"
    tool_choice: Literal["auto", "none", "required"] | None = None
    truncation: Literal["auto", "disabled"] | None = None
    reasoning_effort: Literal["minimal", "low", "medium", "high", "xhigh"] | None = None
    parallel_tool_calls: bool | None = None
    base_url: _HttpUrl = "https://api.openai.com/v1"
    websocket_base_url: _WsUrl | None = None
    api_key_env: _EnvName = "OPENAI_API_KEY"
    api_key: str | None = None
    noise_reduction: Literal["near_field", "far_field", "off"] = "off"
    vad: VadSettings = msgspec.field(default_factory=VadSettings)
    transcription: TranscriptionSettings = msgspec.field(default_factory=TranscriptionSettings)
    audio: AudioSettings = msgspec.field(default_factory=AudioSettings)
    #: Function declarations (`[[tools]]`), or command tools (`[tools.LABEL]`).
    tools: tuple[FunctionTool, ...] | dict[_ToolName, CommandTool] = ()
    mcp: dict[_ToolName, McpServer] = msgspec.field(default_factory=dict)

    @property
    def function_tools(self) -> tuple[FunctionTool, ...]:
        """The `[[tools]]` function declarations (none when `tools` holds command tools)."""
        return self.tools if isinstance(self.tools, tuple) else ()

    @property
    def command_tools(self) -> dict[str, CommandTool]:
        """The `[tools.LABEL]` command tools, by name."""
        return self.tools if isinstance(self.tools, dict) else {}

    def __repr__(self) -> str:
        # The generated repr would print the key into logs and tracebacks.
        fields = ", ".join(
            f"{name}={'***' if name == 'api_key' and value is not None else value!r}"
            for name, value in _items(self)
        )
        return f"Settings({fields})"

    def __rich_repr__(self) -> list[tuple[str, Any]]:
        return [
            (name, "***" if name == "api_key" and value is not None else value)
            for name, value in _items(self)
        ]


def _items(struct: msgspec.Struct) -> list[tuple[str, Any]]:
    return [(name, getattr(struct, name)) for name in struct.__struct_fields__]

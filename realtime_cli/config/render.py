"""The TOML documents rt writes for people: resolved settings and the starter config file."""

from __future__ import annotations

from typing import Any

import msgspec

from realtime_cli.config.settings import Settings
from realtime_cli.config.toml_writer import dumps, toml_key, toml_string

__all__ = ["REDACTED", "settings_toml", "starter_toml"]

#: What `rt config show` prints instead of an API key.
REDACTED = "***"


def settings_toml(settings: Settings, *, header: str = "") -> str:
    """`settings` as a TOML profile table body, `api_key` redacted.

    The output has the shape of a shipped profile: paste it under `[profiles.NAME]` (or into
    `configs/NAME.toml`) to reuse it. `header` is written first as `#` comment lines.
    """
    data: dict[str, Any] = msgspec.to_builtins(settings)
    if data.get("api_key") is not None:
        data["api_key"] = REDACTED
    comments = "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines())
    return comments + dumps(data)


def starter_toml(profile: str = "default") -> str:
    """A commented starter config file whose profile table is named `profile`.

    Every example line is a valid setting once its leading `# ` is removed.
    """
    return _STARTER.replace("{profile}", toml_key(profile)).replace("{name}", toml_string(profile))


_STARTER = """\
# rt configuration (written by `rt config init`; `rt config show` prints what rt resolves).
#
# Precedence, highest first: command-line flags > environment > a profile in this file >
# the shipped profile of the same name > built-in defaults.
# Environment: RT_PROFILE picks the profile, RT_CONFIG this file; RT_MODEL, RT_VOICE,
# OPENAI_BASE_URL and OPENAI_WEBSOCKET_BASE_URL set one setting each.
#
# Shipped profiles: default, text-only, semantic-vad, push-to-talk. A [profiles.NAME] table
# with one of those names changes only the keys it sets; any other name is a new profile
# built on the defaults. Arrays (tools) replace the shipped ones whole.
#
# Remove the "# " before a setting to use it.

# The profile used when neither --profile nor RT_PROFILE names one.
default_profile = {name}

[profiles.{profile}]
# model = "gpt-realtime"
# Voices: alloy, ash, ballad, coral, echo, sage, shimmer, verse, marin, cedar.
# voice = "marin"
# instructions = "You are a helpful assistant. Keep answers short."
# output_modality = "audio"       # or "text"
# speed = 1.0                     # 0.25 to 1.5
# max_output_tokens = "inf"       # or an integer from 1 to 4096
# tool_choice = "auto"            # "auto", "none" or "required"
# truncation = "auto"             # or "disabled"
# reasoning_effort = "low"        # reasoning models only: minimal, low, medium, high, xhigh
# noise_reduction = "off"         # "near_field" (headset), "far_field" (laptop) or "off"
#
# Connection. The key is read from the variable named here; rt never prints it.
# base_url = "https://api.openai.com/v1"
# websocket_base_url = "wss://proxy.example/v1"
# api_key_env = "OPENAI_API_KEY"
# An api_key here works too, but keep this file private then (chmod 600).
# api_key = "sk-..."

# Turn detection: "server_vad" (volume), "semantic_vad" (a model judges the end of a turn)
# or "none" (push-to-talk: you end each turn yourself).
# [profiles.{profile}.vad]
# type = "server_vad"
# threshold = 0.5                 # server_vad: 0 to 1, higher needs louder speech
# prefix_padding_ms = 300         # server_vad: audio kept from before speech started
# silence_duration_ms = 500       # server_vad: silence that ends a turn
# idle_timeout_ms = 60000         # server_vad: prompt the model after this much silence
# eagerness = "auto"              # semantic_vad: low, medium, high or auto
# create_response = true          # answer when a turn ends
# interrupt_response = true       # speaking interrupts the answer

# Transcription of what you say; an empty model turns it off.
# [profiles.{profile}.transcription]
# model = "gpt-4o-mini-transcribe"
# language = "en"
# prompt = "Vocabulary: rt, msgspec, PortAudio."
# logprobs = false

# Local audio. A device is an index from `python -m sounddevice` or part of its name.
# [profiles.{profile}.audio]
# input_device = "USB"
# output_device = 3
# frame_ms = 20
# prebuffer_ms = 0
# input_sample_rate = 48000
# output_sample_rate = 48000
# echo = "aec"   # or "gate" (half duplex), "off" (headphones)

# A function the model may call; repeat the [[...]] block for more.
# [[profiles.{profile}.tools]]
# name = "get_time"
# description = "The current local time."
# parameters = { type = "object", properties = {}, required = [] }
"""

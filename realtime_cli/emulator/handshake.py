"""What the service decides right after the 101: which session to open, or why to refuse.

Auth, beta header and model are checked after the websocket upgrade, as on the live service:
the client gets an `error` event and then a close (3000 for auth, 4000 for shape or model)
with the reason `<error.type>.<error.code>` (just `<error.type>` when the code is null, as for
a missing `Authorization` header).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from realtime_cli.emulator.auth import KeyRing, bearer_token
from realtime_cli.emulator.calls import CallRegistry
from realtime_cli.emulator.errors import ClientError
from realtime_cli.emulator.ids import IdFactory
from realtime_cli.emulator.session_config import (
    SESSION_TTL_S,
    default_session,
    is_realtime_model,
    merge_session,
)
from realtime_cli.protocol import RealtimeSession, Session, TranscriptionSession

__all__ = ["CLOSE_AUTH", "CLOSE_REQUEST", "Admission", "Refusal", "admit"]

CLOSE_AUTH = 3000
CLOSE_REQUEST = 4000


@dataclass(frozen=True)
class Admission:
    """Open a session with this initial configuration."""

    session: Session


@dataclass(frozen=True)
class Refusal:
    """Send `error`, then close with `close_code` and `reason`."""

    error: ClientError
    close_code: int

    @property
    def reason(self) -> str:
        """The close reason the service uses: `<type>.<code>`, or `<type>` without a code."""
        if self.error.code is None:
            return self.error.type
        return f"{self.error.type}.{self.error.code}"


def admit(
    query: Mapping[str, str],
    headers: Mapping[str, str],
    *,
    keys: KeyRing,
    calls: CallRegistry,
    ids: IdFactory,
    now: float,
) -> Admission | Refusal:
    """Decide a websocket's fate from its query and (lower-case) headers at wall time `now`."""
    key = bearer_token(headers)
    if not key:
        # Captured (PROTOCOL.md section 11): no code, so the close reason is the type alone.
        message = "Missing bearer or basic authentication in header."
        return Refusal(ClientError(None, message), CLOSE_AUTH)
    if not keys.accepts(key, now):
        shown = f"{key[:6]}***{key[-4:]}" if len(key) > 10 else key
        message = f"Incorrect API key provided: {shown}."
        return Refusal(ClientError("invalid_api_key", message), CLOSE_AUTH)
    if "openai-beta" in headers:
        return Refusal(
            ClientError(
                "beta_api_shape_disabled",
                "The beta Realtime API shape is disabled; remove the 'OpenAI-Beta' header "
                "to use the GA API.",
            ),
            CLOSE_REQUEST,
        )
    secret = keys.secret(key)
    overrides: Session | None = secret.session if secret else None
    kind = "realtime"
    model: str | None = None
    call_id = query.get("call_id")
    if call_id:
        call = calls.get(call_id)
        if call is None or call.state in ("rejected", "ended"):
            return Refusal(
                ClientError("invalid_value", f"Call '{call_id}' not found.", "call_id"),
                CLOSE_REQUEST,
            )
        overrides = call.session
        if isinstance(overrides, TranscriptionSession):
            kind = "transcription"
    elif query.get("intent") == "transcription":
        kind = "transcription"
        if not isinstance(overrides, TranscriptionSession):
            overrides = None
    else:
        secret_model = overrides.model if isinstance(overrides, RealtimeSession) else None
        model = query.get("model") or (secret_model if isinstance(secret_model, str) else None)
        if not model:
            return Refusal(
                # Reported wording (PROTOCOL.md section 11); the elided URL is a guess.
                ClientError(
                    "missing_model",
                    "You must provide a model parameter, for example "
                    "wss://api.openai.com/v1/realtime?model=gpt-realtime-1.5",
                    "model",
                ),
                CLOSE_REQUEST,
            )
        if not is_realtime_model(model):
            # The service's wording (PROTOCOL.md section 11).
            return Refusal(
                ClientError(
                    "invalid_model", f'Model "{model}" is not supported in realtime mode.', "model"
                ),
                CLOSE_REQUEST,
            )
        if not isinstance(overrides, RealtimeSession):
            overrides = None
    session = default_session(
        kind,
        session_id=ids.next("sess"),
        expires_at=int(now) + SESSION_TTL_S,
        model=model,
    )
    if overrides is not None and type(overrides) is type(session):
        session = merge_session(session, overrides)
    return Admission(session)

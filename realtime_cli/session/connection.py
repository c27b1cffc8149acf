"""The session's connection to the service, re-opened with backoff when it is lost (or
rotated before the service's session cap), with the settings re-applied and the finished
conversation replayed as text."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from realtime_cli.errors import RtError
from realtime_cli.protocol import (
    BaseClientEvent,
    ContentPart,
    ConversationItemCreate,
    Error,
    MessageItem,
    RealtimeSession,
    SessionUpdate,
    SessionUpdated,
    UnknownClientEvent,
)
from realtime_cli.transport import (
    AuthenticationError,
    ConnectOptions,
    EventLog,
    ModelError,
    RealtimeConnection,
    TransportError,
)

__all__ = [
    "CLOSE_GRACE_S",
    "FATAL_CODES",
    "SETUP_TIMEOUT_S",
    "ReconnectPolicy",
    "SessionConnection",
    "SessionSetupError",
]

SETUP_TIMEOUT_S = 10.0
CLOSE_GRACE_S = 2.0

#: Error codes that a new connection would meet again: never retried.
FATAL_CODES = frozenset(
    {
        "invalid_api_key",
        "insufficient_quota",
        "invalid_model",
        "missing_model",
        "beta_api_shape_disabled",
    }
)


@dataclass(frozen=True)
class ReconnectPolicy:
    """How a lost connection is re-established: exponential backoff with jitter."""

    enabled: bool = True
    initial_delay_s: float = 0.25
    max_delay_s: float = 8.0
    max_attempts: int = 8
    #: Re-create the session this long before its `expires_at` (the service caps sessions).
    rotate_before_expiry_s: float = 120.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait before the given attempt (0-based)."""
        base: float = min(self.max_delay_s, self.initial_delay_s * 2.0**attempt)
        return base * (0.75 + 0.5 * random.random())


class SessionSetupError(RtError):
    """The service refused the session's settings."""


class SessionConnection:
    """The current `RealtimeConnection` and how to replace it."""

    def __init__(
        self,
        conn: RealtimeConnection,
        *,
        options: ConnectOptions | None,
        event_log: EventLog | None,
        policy: ReconnectPolicy,
    ) -> None:
        self.conn = conn
        self._options = options
        self._event_log = event_log
        self.policy = policy
        #: Times the connection was lost (or rotated) and re-established.
        self.reconnects = 0
        self.reconnecting = False
        #: Set when the connection was closed on purpose to be rotated.
        self.rotate_requested = False
        #: Why the connection was dropped as stalled (until the receive loop handles it).
        self.stall_reason: str | None = None

    @property
    def can_retry(self) -> bool:
        """Whether a lost connection would be re-opened at all."""
        return self.policy.enabled and self._options is not None

    def retryable(self, exc: TransportError) -> bool:
        """Whether this failure is worth a new connection."""
        if not self.can_retry:
            return False
        # A refused key or model, or an exhausted quota, fails the same way again.
        if isinstance(exc, AuthenticationError | ModelError):
            return False
        code = getattr(getattr(exc, "error", None), "code", None)
        return code not in FATAL_CODES

    def rotation_due(self, session: Any, response_pending: bool) -> bool:
        """Whether to rotate now: between turns, before the session's `expires_at`."""
        expires_at = getattr(session, "expires_at", None)
        if not isinstance(expires_at, int) or self.reconnecting or self.rotate_requested:
            return False
        if not self.can_retry or response_pending:
            return False
        return time.time() >= expires_at - self.policy.rotate_before_expiry_s

    async def rotate(self) -> None:
        """Close the connection so that the receive loop re-opens it."""
        self.rotate_requested = True
        await self.conn.close()

    def __aiter__(self) -> AsyncIterator[Any]:
        return self.conn.__aiter__()

    def cause_of(self, event: Error) -> BaseClientEvent | UnknownClientEvent | None:
        """The client event an error was caused by, if known."""
        return self.conn.cause_of(event)

    @property
    def unsent_bytes(self) -> int:
        """Bytes the connection holds that the network has not taken yet."""
        return 0 if self.reconnecting else self.conn.unsent_bytes

    async def drop_stalled(self, stalled_s: float) -> None:
        """Nothing could be sent for `stalled_s`: drop the connection with the stale audio
        it holds; the receive loop then reconnects (or ends the session, saying why)."""
        if self.reconnecting or self.stall_reason is not None:
            return
        self.stall_reason = f"the network stalled: nothing could be sent for {stalled_s:g} s"
        await self.conn.abort()

    @property
    def down(self) -> bool:
        """Whether sends are being dropped: the connection is being replaced or was dropped."""
        return self.reconnecting or self.stall_reason is not None

    async def send(self, event: Any) -> None:
        """Send; while the connection is being replaced, or when it is lost and will be, the
        event is dropped (the receive loop reconnects or ends the session)."""
        if self.down:
            return
        try:
            await self.conn.send(event)
        except TransportError:
            if not self.can_retry:
                raise

    async def apply_settings(
        self, config: RealtimeSession, handle: Callable[[Any], Awaitable[None]]
    ) -> None:
        """Send session.update and pass every event to `handle` until it is confirmed."""
        update_id = await self.conn.send(SessionUpdate(session=config))
        async with asyncio.timeout(SETUP_TIMEOUT_S):
            async for event in self.conn:
                if isinstance(event, Error) and event.error.event_id == update_id:
                    raise SessionSetupError(
                        f"the session settings were refused: {event.error.message}"
                    )
                await handle(event)
                if isinstance(event, SessionUpdated):
                    break

    async def replay(self, history: Iterable[tuple[str, str]]) -> None:
        """Re-create the finished conversation as text messages."""
        for role, text in history:
            part = (
                ContentPart.output_text(text)
                if role == "assistant"
                else ContentPart.input_text(text)
            )
            item = MessageItem(role=role, content=[part])
            await self.conn.send(ConversationItemCreate(item=item))

    async def replace(self, restore: Callable[[], Awaitable[None]]) -> None:
        """Close this connection and open a new one with backoff; `restore` then sets it up.
        Raises the last failure once the attempts are used up."""
        assert self._options is not None
        self.reconnecting = True
        with contextlib.suppress(Exception):
            await self.conn.close()
        last: Exception | None = None
        try:
            for attempt in range(self.policy.max_attempts):
                await asyncio.sleep(self.policy.delay(attempt))
                try:
                    conn = await RealtimeConnection.connect(
                        self._options, event_log=self._event_log
                    )
                except (AuthenticationError, ModelError):
                    raise
                except TransportError as exc:
                    last = exc
                    continue
                self.conn = conn
                try:
                    await restore()
                except TimeoutError:
                    # Connected, but the settings were never confirmed (a stalled service).
                    last = RtError(
                        f"the service did not confirm the session settings within "
                        f"{SETUP_TIMEOUT_S:g} s"
                    )
                    await conn.abort()
                    continue
                except (AuthenticationError, ModelError):
                    raise
                except TransportError as exc:
                    # Lost again while re-applying the settings or replaying: one more
                    # failed attempt, not the end of the session. (A refusal of the settings
                    # is a SessionSetupError: that one ends it.)
                    last = exc
                    await conn.abort()
                    continue
                self.reconnects += 1
                return
        finally:
            self.reconnecting = False
        attempts = self.policy.max_attempts
        raise RtError(f"could not reconnect ({attempts} attempts): {last or 'no attempt made'}")

    async def close(self) -> None:
        """Close; a server that stopped reading never answers the close: abort then."""
        try:
            await asyncio.wait_for(self.conn.close(), CLOSE_GRACE_S)
        except TimeoutError:
            await self.conn.abort()

"""API keys and minted client secrets (`ek_...`)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from realtime_cli.protocol import Session

__all__ = ["KeyRing", "Secret", "bearer_token"]


@dataclass(frozen=True)
class Secret:
    """An ephemeral client secret and the session configuration it carries."""

    value: str
    expires_at: int
    session: Session


#: Browsers cannot set headers on a websocket, so they pass the key as a subprotocol.
SUBPROTOCOL_KEY_PREFIX = "openai-insecure-api-key."


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The key of an `Authorization: Bearer <key>` header (lower-case header names), or of
    an `openai-insecure-api-key.<key>` websocket subprotocol."""
    scheme, _, token = headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    for offered in headers.get("sec-websocket-protocol", "").split(","):
        key = offered.strip().removeprefix(SUBPROTOCOL_KEY_PREFIX)
        if key and key != offered.strip():
            return key
    return None


class KeyRing:
    """Which keys are accepted.

    With `api_keys=None` any key starting with `sk-` or `ek_` is accepted, or any non-empty
    key with `any_key=True` (`rt emulator`'s default: a first user need not know the key
    formats); otherwise only the given keys. Secrets minted by `client_secrets` are accepted
    until they expire.
    """

    def __init__(self, api_keys: Collection[str] | None = None, *, any_key: bool = False) -> None:
        self.api_keys = None if api_keys is None else frozenset(api_keys)
        self.any_key = any_key and api_keys is None
        self.secrets: dict[str, Secret] = {}

    def add_secret(self, secret: Secret) -> None:
        """Remember a minted secret."""
        self.secrets[secret.value] = secret

    def secret(self, key: str | None) -> Secret | None:
        """The minted secret with this value, if any."""
        return None if key is None else self.secrets.get(key)

    def is_standard(self, key: str | None) -> bool:
        """Whether `key` is an accepted standard (non-ephemeral) API key."""
        if not key or key in self.secrets:
            return False
        if self.api_keys is None:
            return self.any_key or (key.startswith("sk-") and len(key) > 3)
        return key in self.api_keys

    def accepts(self, key: str | None, now: float) -> bool:
        """Whether `key` may open a session or place a call at wall time `now`."""
        if not key:
            return False
        secret = self.secrets.get(key)
        if secret is not None:
            return now < secret.expires_at
        if self.api_keys is None:
            return self.any_key or (key.startswith(("sk-", "ek_")) and len(key) > 3)
        return key in self.api_keys

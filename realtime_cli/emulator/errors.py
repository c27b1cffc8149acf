"""The service's non-fatal `error` events, raised inside the emulator as `ClientError`."""

from __future__ import annotations

from realtime_cli.protocol import ErrorDetails

__all__ = ["ClientError"]


class ClientError(Exception):
    """A client mistake the service answers with an `error` event (or a 4xx REST body).

    `code` and `param` follow the service's vocabulary (`invalid_value`, `unknown_parameter`,
    ...); `param` is the dotted path of the offending field inside the event.
    """

    def __init__(
        self,
        code: str | None,
        message: str,
        param: str | None = None,
        *,
        type: str = "invalid_request_error",
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.param = param
        self.type = type

    def details(self, event_id: str | None = None) -> ErrorDetails:
        """The `error` object of the event, echoing the client's `event_id` when it had one."""
        # The service sends every key, with nulls for the ones that do not apply.
        return ErrorDetails(
            type=self.type,
            message=self.message,
            code=self.code,
            param=self.param,
            event_id=event_id,
        )

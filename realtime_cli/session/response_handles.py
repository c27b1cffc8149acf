"""Handles of the responses a session asked for, matched to `response.created` through a
metadata key, and settled when the response ends or the connection is lost."""

from __future__ import annotations

import asyncio
import itertools

from realtime_cli.protocol import ResponseCreated, ResponseCreateParams
from realtime_cli.session.events import ResponseDone

__all__ = ["REQUEST_KEY", "ResponseHandle", "ResponseHandles"]

#: Metadata key that ties a `response.created` to the request that asked for it.
REQUEST_KEY = "rt_request"


class ResponseHandle:
    """A response this session asked for: `await handle.wait()` for its outcome; `text`
    collects its text (or audio transcript) as it streams.

    When the response calls tools, the handle follows on to the response that uses their
    results (the session asks for it with the same request id): it settles with the last
    response of that chain, and `text` holds the text of all of them.
    """

    def __init__(self, request_id: str) -> None:
        self.request_id = request_id
        self.response_id: str | None = None
        self.text = ""
        self.last_done: ResponseDone | None = None
        self._done: asyncio.Future[ResponseDone] = asyncio.get_running_loop().create_future()

    async def wait(self) -> ResponseDone:
        """The response's end: status, usage and cost."""
        return await asyncio.shield(self._done)

    @property
    def finished(self) -> bool:
        """Whether the response has ended."""
        return self._done.done()

    def settle(self, done: ResponseDone) -> None:
        """Resolve the handle with the response's end (once)."""
        if not self._done.done():
            self._done.set_result(done)

    def fail(self, error: BaseException) -> None:
        """Resolve the handle with an error (once)."""
        if not self._done.done():
            self._done.set_exception(error)
            # A handle nobody awaits must not log "exception never retrieved".
            self._done.exception()


class ResponseHandles:
    """The open handles, by request id and, once created, by response id."""

    def __init__(self) -> None:
        self._by_request: dict[str, ResponseHandle] = {}
        self._by_response: dict[str, ResponseHandle] = {}
        self._request_ids = itertools.count(1)

    def new(self, params: ResponseCreateParams) -> ResponseHandle:
        """A handle for a new request; its id is written into `params.metadata`."""
        request_id = f"req_{next(self._request_ids)}"
        metadata = params.metadata if isinstance(params.metadata, dict) else {}
        params.metadata = {**metadata, REQUEST_KEY: request_id}
        handle = ResponseHandle(request_id)
        self._by_request[request_id] = handle
        return handle

    def match(self, event: ResponseCreated) -> None:
        """Tie a created response to the request that asked for it."""
        metadata = event.response.metadata
        request_id = metadata.get(REQUEST_KEY) if isinstance(metadata, dict) else None
        handle = self._by_request.get(request_id) if request_id else None
        if handle is not None and isinstance(event.response.id, str):
            if handle.response_id is not None:  # a follow-up takes over from its origin
                self._by_response.pop(handle.response_id, None)
            handle.response_id = event.response.id
            self._by_response[event.response.id] = handle

    def get(self, response_id: str) -> ResponseHandle | None:
        """The handle of a created response, if this session asked for it."""
        return self._by_response.get(response_id)

    def finish(self, done: ResponseDone) -> None:
        """Settle and forget the handle of a response that ended, unless a follow-up
        response will carry it on (then it waits, still known by its request id)."""
        handle = self._by_response.get(done.response_id)
        if handle is None:
            return
        handle.last_done = done
        if done.follow_up:
            return
        self._by_response.pop(done.response_id, None)
        self._by_request.pop(handle.request_id, None)
        handle.settle(done)

    def follow_up_dropped(self, response_id: str) -> None:
        """The follow-up of `response_id` will not come: settle with the response's end."""
        handle = self._by_response.pop(response_id, None)
        if handle is not None:
            self._by_request.pop(handle.request_id, None)
            if handle.last_done is not None:
                handle.settle(handle.last_done)

    def refused(self, params: ResponseCreateParams | None, error: BaseException) -> None:
        """The service refused the `response.create` made with `params`: fail its handle."""
        metadata = params.metadata if params is not None else None
        request_id = metadata.get(REQUEST_KEY) if isinstance(metadata, dict) else None
        handle = self._by_request.pop(request_id, None) if request_id else None
        if handle is not None:
            if handle.response_id is not None:
                self._by_response.pop(handle.response_id, None)
            handle.fail(error)

    def fail_all(self, error: BaseException) -> None:
        """Fail every open handle (the connection was lost or the session ended)."""
        for handle in self._by_request.values():
            handle.fail(error)
        self._by_request.clear()
        self._by_response.clear()

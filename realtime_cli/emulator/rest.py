"""The REST endpoints of the Realtime API, as sans-I/O handlers: request in, response out.

`POST /v1/realtime/client_secrets`, `POST /v1/realtime/calls` (raw SDP or multipart) and
`POST /v1/realtime/calls/{id}/accept|reject|refer|hangup`. Errors use OpenAI's body
`{"error": {"message", "type", "code", "param"}}`, and every response has `x-request-id`.
"""

from __future__ import annotations

import re
import zlib
from typing import Any

import msgspec

from realtime_cli.emulator.auth import KeyRing, Secret, bearer_token
from realtime_cli.emulator.calls import Call, CallRegistry
from realtime_cli.emulator.errors import ClientError
from realtime_cli.emulator.http import HttpError, HttpRequest, HttpResponse, parse_multipart
from realtime_cli.emulator.ids import IdFactory
from realtime_cli.emulator.session_config import (
    SESSION_TTL_S,
    check_session,
    default_session,
    merge_session,
)
from realtime_cli.emulator.unknown_fields import find_unknown_field
from realtime_cli.protocol import RealtimeSession, Session

__all__ = [
    "ClientSecretRequest",
    "ClientSecretResponse",
    "ExpiresAfter",
    "RestApi",
    "RestError",
    "RestErrorBody",
]

_CALL_ACTION = re.compile(r"^/v1/realtime/calls/([^/]+)/(accept|reject|refer|hangup)$")
_JSON = msgspec.json.Decoder()
_ENCODER = msgspec.json.Encoder()


class RestError(msgspec.Struct, kw_only=True):
    """The `error` object of an OpenAI REST error body."""

    message: str
    type: str
    code: str | None = None
    param: str | None = None


class RestErrorBody(msgspec.Struct, kw_only=True):
    """An OpenAI REST error body."""

    error: RestError


class ExpiresAfter(msgspec.Struct, kw_only=True):
    """How long a client secret lives, counted from its creation."""

    anchor: str = "created_at"
    seconds: int = 600


class ClientSecretRequest(msgspec.Struct, kw_only=True):
    """The body of `POST /v1/realtime/client_secrets`."""

    expires_after: ExpiresAfter | None = None
    session: Session | None = None


class ClientSecretResponse(msgspec.Struct, kw_only=True):
    """A minted client secret and the session it opens."""

    value: str
    expires_at: int
    session: Session


class CallReject(msgspec.Struct, kw_only=True):
    """The body of `/reject`; 603 Decline when no status code is given."""

    status_code: int | None = None


class CallRefer(msgspec.Struct, kw_only=True):
    """The body of `/refer`: the SIP Refer-To target."""

    target_uri: str


class _Failure(Exception):
    def __init__(self, status: int, error: RestError) -> None:
        super().__init__(error.message)
        self.status = status
        self.error = error


def _invalid(error: ClientError, status: int = 400) -> _Failure:
    return _Failure(
        status,
        RestError(message=error.message, type=error.type, code=error.code, param=error.param),
    )


def _decode(body: bytes, cls: type[Any], what: str) -> Any:
    """Decode a JSON body strictly: bad JSON, a bad shape or an unknown field is a 400."""
    try:
        raw = _JSON.decode(body or b"{}")
    except msgspec.DecodeError as exc:
        raise _invalid(
            ClientError(
                None,
                "We could not parse the JSON body of your request. (HINT: This likely means "
                "you aren't using your HTTP library correctly. The OpenAI API expects a JSON "
                f"payload, but what was sent was not valid JSON.) {exc}",
            )
        ) from exc
    try:
        value = msgspec.convert(raw, cls)
    except msgspec.ValidationError as exc:
        raise _invalid(ClientError("invalid_value", f"Invalid {what}: {exc}.")) from exc
    unknown = find_unknown_field(raw, cls) if isinstance(raw, dict) else None
    if unknown is not None:
        raise _invalid(
            ClientError("unknown_parameter", f"Unknown parameter: '{unknown}'.", unknown)
        )
    return value


class RestApi:
    """The REST endpoints, sharing keys, calls and ids with the websocket side."""

    def __init__(self, keys: KeyRing, calls: CallRegistry, ids: IdFactory) -> None:
        self.keys = keys
        self.calls = calls
        self.ids = ids

    def handle(self, request: HttpRequest, now: float) -> HttpResponse:
        """Answer one request at wall time `now`."""
        try:
            response = self._route(request, now)
        except _Failure as failure:
            response = self.error_response(failure.status, failure.error)
        except HttpError as exc:
            response = self.error_response(
                exc.status, RestError(message=exc.message, type="invalid_request_error")
            )
        response.headers.append(("x-request-id", self.ids.next("req")))
        return response

    def error_response(self, status: int, error: RestError) -> HttpResponse:
        """An OpenAI-style JSON error response."""
        return HttpResponse(
            status,
            _ENCODER.encode(RestErrorBody(error=error)),
            [("Content-Type", "application/json")],
        )

    def _route(self, request: HttpRequest, now: float) -> HttpResponse:
        path = request.path.rstrip("/") or "/"
        routes = {
            "/v1/realtime/client_secrets": self._client_secrets,
            "/v1/realtime/calls": self._create_call,
        }
        handler = routes.get(path)
        match = _CALL_ACTION.match(path)
        if request.method != "POST" or (handler is None and match is None):
            raise _Failure(
                404,
                RestError(
                    message=f"Invalid URL ({request.method} {request.path})",
                    type="invalid_request_error",
                ),
            )
        if handler is not None:
            return handler(request, now)
        assert match is not None
        return self._call_action(request, match.group(1), match.group(2), now)

    def _authorize(self, request: HttpRequest, now: float, *, ephemeral: bool) -> None:
        key = bearer_token(request.headers)
        allowed = self.keys.accepts(key, now) if ephemeral else self.keys.is_standard(key)
        if allowed:
            return
        if key is None:
            message = (
                "You didn't provide an API key. You need to provide your API key in an "
                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
            )
            raise _Failure(401, RestError(message=message, type="invalid_request_error"))
        shown = f"{key[:6]}***{key[-4:]}" if len(key) > 10 else key
        raise _Failure(
            401,
            RestError(
                message=f"Incorrect API key provided: {shown}.",
                type="invalid_request_error",
                code="invalid_api_key",
            ),
        )

    def _session(self, session: Session, path: str) -> Session:
        try:
            check_session(session, None, path=path)
        except ClientError as exc:
            raise _invalid(exc) from exc
        model = session.model if isinstance(session, RealtimeSession) else None
        base = default_session(
            session.type,
            session_id=self.ids.next("sess"),
            expires_at=0,
            model=model if isinstance(model, str) else None,
        )
        return merge_session(base, session)

    def _client_secrets(self, request: HttpRequest, now: float) -> HttpResponse:
        self._authorize(request, now, ephemeral=False)
        body: ClientSecretRequest = _decode(request.body, ClientSecretRequest, "request")
        expires = body.expires_after or ExpiresAfter()
        if not 10 <= expires.seconds <= 7200:
            raise _invalid(
                ClientError(
                    "integer_above_max_value"
                    if expires.seconds > 7200
                    else "integer_below_min_value",
                    "Invalid 'expires_after.seconds': expected a value from 10 to 7200, "
                    f"got {expires.seconds}.",
                    "expires_after.seconds",
                )
            )
        session = self._session(body.session or RealtimeSession(), "session")
        expires_at = int(now) + expires.seconds
        session = msgspec.structs.replace(
            session, expires_at=min(expires_at, int(now) + SESSION_TTL_S)
        )
        secret = Secret(
            value=self.ids.next("ek"),
            expires_at=expires_at,
            session=session,
        )
        self.keys.add_secret(secret)
        answer = ClientSecretResponse(value=secret.value, expires_at=expires_at, session=session)
        return HttpResponse(200, _ENCODER.encode(answer), [("Content-Type", "application/json")])

    def _create_call(self, request: HttpRequest, now: float) -> HttpResponse:
        self._authorize(request, now, ephemeral=True)
        content_type = request.headers.get("content-type", "")
        session: Session | None = None
        if content_type.lower().startswith("multipart/form-data"):
            parts = parse_multipart(request.body, content_type)
            if "sdp" not in parts:
                raise _invalid(
                    ClientError(
                        "missing_required_parameter", "Missing required parameter: 'sdp'.", "sdp"
                    )
                )
            offer = parts["sdp"].data.decode("utf-8", errors="replace")
            if "session" in parts:
                decoded: Session = _decode(parts["session"].data, Session, "session")  # type: ignore[arg-type]
                session = self._session(decoded, "session")
        else:
            offer = request.body.decode("utf-8", errors="replace")
        if not offer.lstrip().startswith("v=0"):
            raise _invalid(
                ClientError("invalid_value", "Invalid SDP offer: it must start with 'v=0'.", "sdp")
            )
        call = self.calls.add(
            Call(
                id=self.ids.next("rtc"),
                transport="webrtc",
                state="active",
                session=session,
                sdp_offer=offer,
                history=["create"],
            )
        )
        return HttpResponse(
            201,
            sdp_answer(offer, call.id).encode(),
            [("Content-Type", "application/sdp"), ("Location", f"/v1/realtime/calls/{call.id}")],
        )

    def _call_action(
        self, request: HttpRequest, call_id: str, action: str, now: float
    ) -> HttpResponse:
        self._authorize(request, now, ephemeral=False)
        call = self.calls.get(call_id)
        if call is None:
            raise _Failure(
                404,
                RestError(
                    message=f"Call with id '{call_id}' not found.",
                    type="invalid_request_error",
                    code="call_not_found",
                    param="call_id",
                ),
            )
        # Lenient on purpose: the live rules for WebRTC versus SIP calls are not documented,
        # so only a finished call refuses further actions.
        if call.state in ("rejected", "ended"):
            raise _invalid(
                ClientError(
                    "invalid_call_state",
                    f"Cannot {action} call '{call_id}': the call has {call.state}.",
                    "call_id",
                ),
                409,
            )
        if action == "accept":
            decoded: Session = _decode(request.body, Session, "session")  # type: ignore[arg-type]
            if not isinstance(decoded, RealtimeSession):
                raise _invalid(
                    ClientError("invalid_value", "Only realtime sessions can accept calls.", "type")
                )
            call.session = self._session(decoded, "session")
            call.state = "active"
        elif action == "reject":
            reject: CallReject = _decode(request.body, CallReject, "body")
            call.reject_status = reject.status_code if reject.status_code is not None else 603
            call.state = "rejected"
        elif action == "refer":
            refer: CallRefer = _decode(request.body, CallRefer, "body")
            if not refer.target_uri.startswith(("tel:", "sip:", "sips:")):
                raise _invalid(
                    ClientError(
                        "invalid_value",
                        "Invalid 'target_uri': expected a tel: or sip: URI.",
                        "target_uri",
                    )
                )
            call.refer_target = refer.target_uri
            call.state = "referred"
        else:
            call.state = "ended"
        call.history.append(action)
        return HttpResponse(200)


def sdp_answer(offer: str, call_id: str) -> str:
    """A deterministic SDP answer mirroring the offer's media sections (opus audio, data
    channel). Nothing is ever sent over it: WebRTC media is not emulated."""
    lines = [
        "v=0",
        f"o=- {zlib.crc32(call_id.encode())} 2 IN IP4 127.0.0.1",
        "s=-",
        "t=0 0",
    ]
    mids = re.findall(r"^a=mid:(\S+)", offer, flags=re.MULTILINE)
    if mids:
        lines.append("a=group:BUNDLE " + " ".join(mids))
    media = re.findall(r"^m=(\w+) ", offer, flags=re.MULTILINE) or ["audio"]
    for index, kind in enumerate(media):
        mid = mids[index] if index < len(mids) else str(index)
        if kind == "application":
            lines += [
                "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
                "c=IN IP4 0.0.0.0",
                f"a=mid:{mid}",
                "a=sctp-port:5000",
            ]
        else:
            lines += [
                "m=audio 9 UDP/TLS/RTP/SAVPF 111",
                "c=IN IP4 0.0.0.0",
                "a=rtcp-mux",
                f"a=mid:{mid}",
                "a=sendrecv",
                "a=rtpmap:111 opus/48000/2",
            ]
        lines += [
            "a=ice-ufrag:emul",
            "a=ice-pwd:emulatoremulatoremulator",
            "a=fingerprint:sha-256 " + ":".join(["00"] * 32),
            "a=setup:active",
        ]
    return "\r\n".join(lines) + "\r\n"

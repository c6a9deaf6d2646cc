"""What a request may carry, checked before anything reads it: a body within its size limit
(413), and an address (path and query) without a character the store refuses (400); both as
problem+json."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import problem_response
from domain.bounds import REFUSED

MAX_BODY_BYTES = 256 * 1024  # a melding or task payload: 20,000 characters per text, a few texts
MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # a CSV import
UPLOAD_PATHS = ("/imports",)


class BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    """Refuses a body over the limit from its Content-Length, or while it streams in."""

    def __init__(
        self, app: ASGIApp, max_body: int = MAX_BODY_BYTES, max_upload: int = MAX_UPLOAD_BYTES
    ) -> None:
        self.app, self.max_body, self.max_upload = app, max_body, max_upload

    def limit_for(self, path: str) -> int:
        return self.max_upload if path.startswith(UPLOAD_PATHS) else self.max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return
        seen = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(scope, receive, send, limit)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = problem_response(
            413, f"the request body is larger than the {limit // 1024} KiB this endpoint accepts"
        )
        await response(scope, receive, send)


class AddressCharacters:
    """Refuses a path or query parameter holding a NUL or another control character: a route
    would put it in a query, and PostgreSQL refuses NUL in text (a 500 before this check)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        refused = refused_in_address(scope) if scope["type"] == "http" else None
        if refused is None:
            await self.app(scope, receive, send)
            return
        await problem_response(400, refused)(scope, receive, send)


def refused_in_address(scope: Scope) -> str | None:
    """Where the address holds a refused character, as a sentence; None if it holds none."""
    parts = [("the path", str(scope["path"]))]
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True):
        parts += [("a query parameter's name", name), (f"the query parameter '{name}'", value)]
    for where, text in parts:
        found = REFUSED.search(text)
        if found:
            return f"{where} holds a control character (U+{ord(found.group()):04X}); remove it"
    return None

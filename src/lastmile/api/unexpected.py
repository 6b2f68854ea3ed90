"""The last resort: an exception no handler took answers 500 problem+json, and the connection
stays open for the client's next request."""

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lastmile.api.problems import for_people, problem_for


class AnswerUnexpectedErrors:
    """Answer an unhandled exception with the app's 500 problem (or page) and swallow it.

    Starlette's own last resort answers too but then re-raises, for the server to log; uvicorn
    logs "Exception in ASGI application" and closes the connection, so a client's next request
    on that keep-alive connection fails. Here the exception is logged once, with its traceback,
    and the connection lives on. Only an exception after the response started still propagates:
    half an answer is on the wire, and closing the connection is the one way to end it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.answer = for_people(problem_for)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_watched)
        except Exception as error:
            if started:
                raise
            response = self.answer(Request(scope, receive), error)
            await response(scope, receive, send)

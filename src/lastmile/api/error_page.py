"""An error as a readable page for a person (a browser asking for HTML), not problem+json."""

import json
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

ERROR_PAGE_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
"""An error page is one static document: its own inline styles and nothing else."""


_WORDING = {
    400: ("That did not work", "The request could not be understood."),
    401: ("Please sign in", "This page needs you to sign in first."),
    403: ("Not allowed", "Your account may not open this page."),
    404: ("Page not found", "There is no page at this address."),
    409: ("That changed meanwhile", "Someone changed this at the same time. Please try again."),
    413: ("Too large", "What you sent is too large."),
    422: ("Please check what you entered", "Some of what you entered is not valid."),
    429: ("Too many attempts", "Please wait a little before you try again."),
    503: ("Busy for a moment", "The server is busy for a moment. Please try again."),
}
_SERVER_ERROR = ("Something went wrong", "The server could not handle this. It has been logged.")
_KEPT_HEADERS = ("retry-after", "www-authenticate")


def wants_page(request: Request) -> bool:
    """A browser navigating to a page (it accepts HTML); the API always answers problem+json."""
    if request.url.path.startswith("/api/"):
        return False
    return "text/html" in request.headers.get("accept", "")


def negotiate(request: Request, problem: JSONResponse) -> Response:
    """`problem` itself, or the same error as a page when the request came from a browser."""
    return problem_page(request, problem) if wants_page(request) else problem


def problem_page(request: Request, problem: JSONResponse) -> HTMLResponse:
    status = problem.status_code
    fields = json.loads(bytes(problem.body))
    heading, message = _WORDING.get(status, _SERVER_ERROR if status >= 500 else ("", ""))
    html = request.app.state.templates.get_template("error.html").render(
        title=heading or fields["title"],
        heading=heading or fields["title"],
        message=message,
        # A server error's detail is for the log; a refusal's tells the person what to change.
        detail=fields.get("detail") if status < 500 else None,
        status=status,
        back=_back(request),
        action="Try again" if status in (409, 429) or status >= 500 else "Go back",
    )
    headers = {k: v for k, v in problem.headers.items() if k.lower() in _KEPT_HEADERS}
    headers |= {"Content-Security-Policy": ERROR_PAGE_CSP, "Cache-Control": "no-store"}
    return HTMLResponse(html, status_code=status, headers=headers)


def _back(request: Request) -> str:
    """The page to try again from: this one for a GET, else the page the form was on."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method == "GET":
        return here
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc == request.url.netloc and referer.path.startswith("/"):
        return referer.path + (f"?{referer.query}" if referer.query else "")
    return request.url.path

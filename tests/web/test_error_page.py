"""People see errors as pages, programs as problem+json; every page carries a CSP."""

from fastapi.testclient import TestClient

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_a_browser_meeting_an_error_gets_a_readable_page(client: TestClient) -> None:
    page = client.get("/control-tower/no-such-page", headers=BROWSER)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "<h1>Page not found</h1>" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"


def test_an_invalid_form_from_a_browser_gets_a_page_that_says_what_to_change(
    client: TestClient,
) -> None:
    page = client.post(
        "/control-tower/sign-in",
        data={"email": "dispatcher@example.com"},
        headers={**BROWSER, "Referer": "http://testserver/control-tower/sign-in"},
    )
    assert page.status_code == 422
    assert "`password`" in page.text
    assert 'href="/control-tower/sign-in"' in page.text


def test_the_api_answers_problem_json_even_to_a_browser(client: TestClient) -> None:
    problem = client.get("/api/v1/no-such-endpoint", headers=BROWSER)
    assert problem.status_code == 404
    assert problem.headers["content-type"] == "application/problem+json"


def test_a_program_gets_problem_json_outside_the_api_too(client: TestClient) -> None:
    problem = client.get("/control-tower/no-such-page")
    assert problem.headers["content-type"] == "application/problem+json"


def test_every_page_carries_a_content_security_policy(client: TestClient) -> None:
    for path in ("/control-tower/sign-in", "/driver/"):
        page = client.get(path, headers=BROWSER)
        assert page.status_code == 200, path
        policy = page.headers["content-security-policy"]
        assert "script-src 'self'" in policy, path
        assert "frame-ancestors 'none'" in policy, path

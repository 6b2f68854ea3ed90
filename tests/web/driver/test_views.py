"""The driver app's shell, manifest and service worker as served over HTTP."""

from fastapi.testclient import TestClient


def test_the_shell_links_manifest_worker_and_our_own_leaflet(client: TestClient) -> None:
    page = client.get("/driver/")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-cache"
    assert '<link rel="manifest" href="/driver/manifest.webmanifest">' in page.text
    assert 'src="/vendor/leaflet/leaflet.js"' in page.text
    assert 'data-tile-url=""' in page.text
    assert "https://" not in page.text
    assert client.get("/vendor/leaflet/leaflet.js").status_code == 200
    assert client.get("/static/driver/app.js").status_code == 200


def test_driver_without_slash_redirects_into_the_scope(client: TestClient) -> None:
    response = client.get("/driver", follow_redirects=False)
    assert response.status_code == 308
    assert response.headers["location"] == "/driver/"


def test_the_manifest_makes_the_app_installable(client: TestClient) -> None:
    response = client.get("/driver/manifest.webmanifest")
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == (
        "/driver/",
        "/driver/",
        "standalone",
    )
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_the_worker_is_served_for_the_driver_scope_and_never_cached(client: TestClient) -> None:
    response = client.get("/driver/sw.js")
    assert response.status_code == 200
    assert response.headers["service-worker-allowed"] == "/driver/"
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["content-type"].startswith("text/javascript")
    assert "caches.open" in response.text

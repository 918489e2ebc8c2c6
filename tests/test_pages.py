"""Base template, language, error pages, security headers."""

import re

from django.test import Client, override_settings
from django.urls import reverse


def test_chinese_is_the_default_language(client, db):
    body = client.get(reverse("login")).content.decode()
    assert 'lang="zh-hans"' in body
    assert "登录" in body


def test_english_on_request(client, db):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    body = client.get(reverse("login")).content.decode()
    assert 'lang="en"' in body
    assert "Log in to the service desk" in body


def test_navigation_follows_the_role(client, clerk):
    client.force_login(clerk)
    body = client.get(reverse("complaints:intake")).content.decode()
    assert reverse("complaints:intake") in body
    assert reverse("reports:overview") not in body
    assert reverse("complaints:queue") not in body


def test_pages_are_phone_width_ready_and_serve_bootstrap_locally(client, clerk):
    client.force_login(clerk)
    body = client.get(reverse("complaints:intake")).content.decode()
    assert 'name="viewport"' in body
    assert "/static/vendor/bootstrap/bootstrap.min.css" in body
    # No CDN host (the page's random CSRF token may spell "cdn": look for a host).
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", body)
    assert "cdn." not in body.lower()


def test_csp_header_with_nonce_on_scripts(client, clerk):
    client.force_login(clerk)
    response = client.get(reverse("complaints:intake"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "'nonce-" in csp
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.content.decode()


def test_styled_404(client, clerk):
    client.force_login(clerk)
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "404" in response.content.decode()
    assert "404.html" in [t.name for t in response.templates]


def test_styled_403(client, clerk):
    client.force_login(clerk)
    response = client.get(reverse("reports:overview"))
    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]


def _boom(request):
    raise RuntimeError("boom")


urlpatterns = [
    __import__("django.urls", fromlist=["path"]).path("boom/", _boom),
    *__import__("config.urls", fromlist=["urlpatterns"]).urlpatterns,
]
handler500 = "staff.errors.server_error"


@override_settings(ROOT_URLCONF=__name__)
def test_styled_500(db, clerk):
    client = Client(raise_request_exception=False)
    client.force_login(clerk)
    response = client.get("/boom/")
    assert response.status_code == 500
    assert "500" in response.content.decode()


def test_an_english_browser_still_gets_chinese_until_english_is_chosen(client, db):
    body = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="zh-hans"' in body

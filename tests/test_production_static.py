"""The production build: ``collectstatic`` with the production settings (the Dockerfile's
step) succeeds, and pages rendered with what it wrote (manifest storage, DEBUG off) get
hashed static URLs that WhiteNoise serves.

A vendored file that names a source map we do not ship (``sourceMappingURL=…``) makes
the manifest storage stop the whole build; without a manifest every page then raises
"Missing staticfiles manifest entry".
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent

# Runs in a fresh interpreter under config.settings.production: only STATIC_ROOT is
# pointed at a temporary folder, then the same management command as the Dockerfile.
COLLECT = """
import json, sys
from django.conf import settings
settings.STATIC_ROOT = sys.argv[1]
from django.core.management import execute_from_command_line
execute_from_command_line(["manage.py", "collectstatic", "--noinput", "-v", "0"])
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "STATIC_URL": settings.STATIC_URL,
    "STORAGES": settings.STORAGES,
    "WHITENOISE_USE_FINDERS": getattr(settings, "WHITENOISE_USE_FINDERS", False),
    "WHITENOISE_AUTOREFRESH": getattr(settings, "WHITENOISE_AUTOREFRESH", False),
}))
"""

STATIC_REF = re.compile(r'(?:href|src)="(/static/[^"]+)"')
HASHED = re.compile(r"\.[0-9a-f]{12}\.[A-Za-z0-9]+$")


@pytest.fixture(scope="module")
def production_static(tmp_path_factory):
    """Collect once per module; returns the production static settings to apply."""
    root = tmp_path_factory.mktemp("staticfiles")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "build-only-" + secrets.token_urlsafe(48),
        "DJANGO_ALLOWED_HOSTS": "build",
        "DJANGO_DEBUG": "false",
    }
    done = subprocess.run(
        [sys.executable, "-c", COLLECT, str(root)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"collectstatic failed:\n{done.stderr[-4000:]}"
    assert (root / "staticfiles.json").is_file()
    production = json.loads(done.stdout.strip().splitlines()[-1])
    assert production["DEBUG"] is False
    assert "Manifest" in production["STORAGES"]["staticfiles"]["BACKEND"]
    return {**production, "STATIC_ROOT": str(root)}


@pytest.fixture
def production_client(production_static):
    """A test client whose middleware (WhiteNoise included) is built under the
    production static settings, so it serves files from the collected STATIC_ROOT."""
    with override_settings(**production_static):
        yield Client()


def static_urls(response) -> list[str]:
    urls = STATIC_REF.findall(response.content.decode())
    assert urls, "the page references no static files"
    return urls


def assert_hashed_and_served(client, urls) -> None:
    for url in urls:
        assert HASHED.search(url), f"{url} is not a hashed (manifest) URL"
        served = client.get(url)
        assert served.status_code == 200, url
        assert "immutable" in served.headers.get("Cache-Control", ""), url
        b"".join(served.streaming_content)  # WhiteNoise streams the file; close it
        served.close()


@pytest.mark.django_db
def test_login_page_gets_hashed_static_urls_from_the_production_build(production_client):
    response = production_client.get(reverse("login"))
    assert response.status_code == 200
    urls = static_urls(response)
    assert any("vendor/bootstrap/bootstrap.min." in u for u in urls)
    assert any("vendor/bootstrap/bootstrap.bundle.min." in u for u in urls)
    assert_hashed_and_served(production_client, urls)


@pytest.mark.django_db
def test_staff_and_admin_pages_render_with_the_production_build(production_client, clerk):
    production_client.force_login(clerk)
    response = production_client.get(reverse("complaints:intake"))
    assert response.status_code == 200
    assert_hashed_and_served(production_client, static_urls(response))

    admin_login = Client()
    response = admin_login.get(reverse("admin:login"))
    assert response.status_code == 200
    assert_hashed_and_served(admin_login, static_urls(response))


def test_the_source_maps_the_vendored_files_name_are_shipped():
    """Every ``sourceMappingURL`` in our static files names a file next to it."""
    named = re.compile(rb"[#@] sourceMappingURL=([^\s*]+)")
    for path in (ROOT / "static").rglob("*"):
        if path.suffix in {".js", ".css"}:
            for target in named.findall(path.read_bytes()):
                assert (path.parent / target.decode()).is_file(), f"{path} names {target}"

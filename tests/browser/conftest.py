from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots")  # noqa: S108 - outside the repo, for a person to look at


@pytest.fixture
def shots():
    """Where browser tests leave screenshots for a person to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


@pytest.fixture
def login(page, live_server):
    """Log in through the real form; returns the page."""

    def _login(username: str, password: str):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        # The form always navigates (on, or back with the error); waiting for the next
        # page's load means its scripts run before the test acts on it.
        with page.expect_navigation():
            page.get_by_role("button", name="登录").click()
        return page

    return _login

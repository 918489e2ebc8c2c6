import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def login(page, live_server):
    """Log in through the real form; returns the page."""

    def _login(username: str, password: str):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.get_by_role("button", name="登录").click()
        return page

    return _login

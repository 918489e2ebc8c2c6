import pytest
from django.test import Client
from django.urls import reverse


def test_login_with_right_password_lands_on_role_page(client, clerk, password):
    response = client.post(
        reverse("login"), {"username": "clerk", "password": password}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("complaints:intake")


def test_wrong_password_rerenders_with_error(client, clerk):
    response = client.post(reverse("login"), {"username": "clerk", "password": "nope-nope-1"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


def test_repeated_wrong_passwords_lock_the_username_out(client, clerk, password, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "clerk", "password": "wrong-password"})
    # Even the right password is refused now, from any client.
    response = Client().post(reverse("login"), {"username": "clerk", "password": password})
    assert response.status_code == 429
    assert "_auth_user_id" not in Client().session


def test_lockout_is_per_username(client, clerk, supervisor, password, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "clerk", "password": "wrong-password"})
    # A colleague at the same desk (same address) still gets in.
    response = client.post(reverse("login"), {"username": "supervisor", "password": password})
    assert response.status_code == 302


def test_login_post_without_csrf_token_is_refused(db, clerk, password):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "clerk", "password": password})
    assert response.status_code == 403


def test_logout_post_without_csrf_token_is_refused(clerk):
    client = Client(enforce_csrf_checks=True)
    client.force_login(clerk)
    response = client.post(reverse("logout"))
    assert response.status_code == 403
    assert client.get(reverse("complaints:intake")).status_code == 200


def test_logout_get_only_asks_and_post_logs_out(client, clerk):
    client.force_login(clerk)
    assert client.get(reverse("logout")).status_code == 200
    assert client.get(reverse("complaints:intake")).status_code == 200
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("complaints:intake")).status_code == 302


@pytest.mark.parametrize("weak", ["12345678901", "password123", "short"])
def test_password_validators_refuse_weak_passwords(weak, clerk):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password(weak, user=clerk)

"""Sessions read by staff.sessions (one plain statement) and the navigation's links,
reversed once: the same answers as Django's own."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session
from django.test import RequestFactory
from django.urls import reverse, set_script_prefix
from django.utils import timezone

from staff.context_processors import navigation
from staff.sessions import SessionStore


def test_the_project_reads_sessions_with_it():
    assert settings.SESSION_ENGINE == "staff.sessions"


def test_a_session_reads_as_djangos_store_reads_it(db):
    store = SessionStore()
    store["desk"] = {"estate": 1, "名字": "王小丽"}
    store.create()
    store.save()
    ours, theirs = SessionStore(store.session_key), DjangoStore(store.session_key)
    assert ours.load() == theirs.load() == {"desk": {"estate": 1, "名字": "王小丽"}}
    assert ours.session_key == store.session_key


def test_an_expired_unknown_or_missing_session_is_empty(db):
    store = SessionStore()
    store["x"] = 1
    store.create()
    store.save()
    Session.objects.filter(pk=store.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    expired = SessionStore(store.session_key)
    assert expired.load() == {} and expired.session_key is None
    unknown = SessionStore("x" * 32)
    assert unknown.load() == {} and unknown.session_key is None
    assert SessionStore(None).load() == {}


def test_a_logged_in_desk_stays_logged_in_until_its_session_expires(client, clerk):
    client.force_login(clerk)
    assert client.get(reverse("complaints:intake")).status_code == 200
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(minutes=1))
    response = client.get(reverse("complaints:intake"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_navigation_links_follow_the_script_prefix(clerk):
    request = RequestFactory().get(reverse("complaints:intake"))
    request.user = clerk
    items = navigation(request)["nav_items"]
    assert items[0] == {
        "url": reverse("complaints:intake"),
        "label": str(items[0]["label"]),
        "active": True,
    }
    assert not any(item["active"] for item in items[1:])
    try:
        set_script_prefix("/desk/")
        moved = navigation(request)["nav_items"]
        assert moved[0]["url"] == "/desk" + items[0]["url"]
    finally:
        set_script_prefix("/")
    assert navigation(request)["nav_items"] == items


def test_a_view_gets_the_user_itself_a_page_open_to_anyone_leaves_it_unloaded(client, clerk):
    from django.contrib.auth.models import User
    from django.utils.functional import SimpleLazyObject, empty

    client.force_login(clerk)
    page = client.get(reverse("complaints:intake"))
    assert page.status_code == 200
    assert type(page.wsgi_request.user) is User
    assert page.wsgi_request.user.pk == clerk.pk
    client.logout()
    health = client.get(reverse("health"))
    user = health.wsgi_request.user
    assert isinstance(user, SimpleLazyObject) and user._wrapped is empty
    anonymous = client.get(reverse("complaints:intake"))
    assert anonymous.status_code == 302  # LoginRequiredMiddleware still decides

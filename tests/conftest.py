"""Named users per role and estate, so permission tests read like sentences.

``clerk`` works at estate ``ch`` (翠湖花园); ``other_clerk`` at ``jr``; ``gm`` sees
all estates; ``manager`` is a superuser for the admin; ``no_role`` has no profile.
"""

import os

import pytest

from staff.models import Department
from staff.roles import Role
from tests.factories.staff import PASSWORD, EstateFactory, UserFactory, make_staff

# Playwright runs an event loop in the test thread; Django's ORM calls from the
# live-server fixtures are still synchronous and safe there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's language: a request in English (the language
    cookie) leaves English active in the thread after it, which would otherwise leak
    into the next test's factories (department names are their kind's label)."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def ch(db):
    return EstateFactory(code="CH", name="翠湖花园")


@pytest.fixture
def jr(db):
    return EstateFactory(code="JR", name="金融中心大厦")


@pytest.fixture
def clerk(ch):
    return make_staff("clerk", Role.CLERK, ch, Department.Kind.CUSTOMER_SERVICE)


@pytest.fixture
def duty_officer(ch):
    return make_staff("duty", Role.DUTY_OFFICER, ch, Department.Kind.SECURITY)


@pytest.fixture
def dept_head(ch):
    return make_staff("eng_head", Role.DEPARTMENT_HEAD, ch, Department.Kind.ENGINEERING)


@pytest.fixture
def technician(ch):
    return make_staff("tech", Role.TECHNICIAN, ch, Department.Kind.ENGINEERING)


@pytest.fixture
def supervisor(ch):
    return make_staff("supervisor", Role.SUPERVISOR, ch, Department.Kind.CUSTOMER_SERVICE)


@pytest.fixture
def director(ch):
    return make_staff("director", Role.OFFICE_DIRECTOR, ch)


@pytest.fixture
def gm(db):
    return make_staff("gm", Role.GENERAL_MANAGER, None)


@pytest.fixture
def other_clerk(jr):
    return make_staff("clerk_jr", Role.CLERK, jr, Department.Kind.CUSTOMER_SERVICE)


@pytest.fixture
def tech2(ch):
    """A second technician of the engineering department at 翠湖花园."""
    return make_staff("tech2", Role.TECHNICIAN, ch, Department.Kind.ENGINEERING)


@pytest.fixture
def tech_jr(jr):
    """A technician of the other estate."""
    return make_staff("tech_jr", Role.TECHNICIAN, jr, Department.Kind.ENGINEERING)


@pytest.fixture
def manager(db):
    return UserFactory(username="manager", is_staff=True, is_superuser=True)


@pytest.fixture
def no_role(db):
    return UserFactory(username="norole")


ROLE_FIXTURES = [
    "clerk",
    "duty_officer",
    "dept_head",
    "technician",
    "supervisor",
    "director",
    "gm",
    "manager",
    "no_role",
]


@pytest.fixture
def user_of(request):
    """Resolve a role fixture by name: ``user_of("clerk")``."""
    return lambda name: request.getfixturevalue(name)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
        ],
    }


# --- complaint services (tests/test_complaint_*.py, tests/test_handling_log.py) ------
# Imports are local so this section could be appended without touching the block above.


@pytest.fixture
def sent_tasks(monkeypatch):
    """Celery's queue is replaced by a recorder (the database stays real): every task
    sent with delay() or apply_async() is listed here instead of reaching the broker.

    Not autouse: the complaint-service test modules opt in with
    ``pytestmark = pytest.mark.usefixtures("sent_tasks")``."""
    from celery.app.task import Task

    sent: list[tuple[str, tuple]] = []

    def record(task, args=None, kwargs=None, **options):
        sent.append((task.name, tuple(args or ())))

    monkeypatch.setattr(Task, "apply_async", record)
    return sent


@pytest.fixture
def head_with_email(dept_head, eng):
    """The engineering department's head, with an email address for the routed notice."""
    dept_head.email = "eng@example.com"
    dept_head.save(update_fields=["email"])
    eng.head = dept_head
    eng.save(update_fields=["head"])
    return dept_head


@pytest.fixture
def eng(dept_head):
    return dept_head.staff_profile.department


@pytest.fixture
def cleaning(ch):
    from tests.factories.complaints import department

    return department(ch, Department.Kind.CLEANING)


@pytest.fixture
def users(clerk, dept_head, supervisor, eng, cleaning):
    return {
        "clerk": clerk,
        "head": dept_head,
        "supervisor": supervisor,
        "eng": eng,
        "cleaning": cleaning,
    }

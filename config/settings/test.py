import os

from .base import *  # noqa: F403
from .base import env

DEBUG = False
# The report replica's alias, as a mirror of the test database, so that a test can turn
# the replica on (override REPORTS_DATABASE) and see the report's reads go there.
DATABASES["reports"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
REPORTS_DATABASE = None
# Fast hashing: tests create many users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A broker database of its own, so a developer's running worker never takes test tasks.
CELERY_BROKER_URL = env("TEST_CELERY_BROKER_URL", default="redis://localhost:6379/15")
# A queue of its own per test run, so two runs on one machine never take each other's
# messages (tests/processes.py passes it on to the worker processes it starts).
CELERY_TASK_DEFAULT_QUEUE = env("TEST_CELERY_QUEUE", default=f"test-{os.getpid()}")
CELERY_DEADLINES_QUEUE = f"{CELERY_TASK_DEFAULT_QUEUE}-deadlines"
CELERY_TASK_ROUTES = {"casework.tasks.sweep_deadlines": {"queue": CELERY_DEADLINES_QUEUE}}
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False}
# Static files come straight from the app and project folders (no collectstatic).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# A throwaway kind of case that proves the shared clock engine (tests/casework_app).
INSTALLED_APPS = [*INSTALLED_APPS, "tests.casework_app"]  # noqa: F405

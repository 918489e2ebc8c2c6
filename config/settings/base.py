"""Settings shared by every environment.

Every value comes from the environment through one ``env`` object; each has a
development default that works on a machine with Postgres and Redis on
localhost, or fails loudly where no safe default exists (see production.py).
``.env.example`` lists them all.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env(
    "DJANGO_SECRET_KEY",
    default="dev-only-insecure-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz",
)
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    # Ours, bottom of the dependency chain first.
    "staff",
    "casework",
    "complaints",
    "repairs",
    "callbacks",
    "helpdesk",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "staff.middleware.DeskLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "staff.middleware.ResolvedUserMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Last: axes needs the authenticated user and answers lockouts itself.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend, loading the user with the profile, capabilities and unread count.
    "staff.backends.DeskBackend",
]

ROOT_URLCONF = "config.urls"
# The common widgets written in Python, the rest through Django's form templates.
FORM_RENDERER = "staff.renderers.DeskFormRenderer"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "staff.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@localhost:5432/servicedesk")
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Nothing here streams a large result: the only .iterator() is Django's model choice
# fields, for which a server-side cursor costs three round trips (DECLARE, FETCH, CLOSE)
# for a dozen departments. Also what a transaction-pooling PgBouncer needs.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
# Web processes cap every statement (config/wsgi.py sets this for them, `make run` for
# runserver), so no request can hold the database for seconds. Workers, beat and
# management commands have no cap: a migration of a large table takes minutes.
DATABASE_STATEMENT_TIMEOUT_MS = env.int("DATABASE_STATEMENT_TIMEOUT_MS", default=0)
if DATABASE_STATEMENT_TIMEOUT_MS:
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c statement_timeout={DATABASE_STATEMENT_TIMEOUT_MS}"
    )
# The monthly report's reads on a read replica, past one machine (reports.routing):
# off unless REPORTS_DATABASE_URL is set.
REPORTS_DATABASE_URL = env("REPORTS_DATABASE_URL", default="")
REPORTS_DATABASE = None
if REPORTS_DATABASE_URL:
    DATABASES["reports"] = {
        **env.db_url_config(REPORTS_DATABASE_URL),
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
    }
    REPORTS_DATABASE = "reports"
DATABASE_ROUTERS = ["reports.routing.ReportReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="redis://localhost:6379/0")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lock a username out after repeated wrong passwords (django-axes).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 asks to lock out by IP too. Front desks of an estate share one intranet
# address, so an IP lockout would lock the whole desk out after one clerk's typos;
# we lock the username only, on purpose.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# Language and time: Simplified Chinese first, English on request; Shanghai time.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT: Path | None = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Content-Security-Policy: everything from our own origin; scripts need a nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Database sessions, read with one plain statement (staff/sessions.py).
SESSION_ENGINE = "staff.sessions"

MAILERS = {
    "default": {
        "BACKEND": env(
            "DJANGO_MAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
        ),
    }
}
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="servicedesk@localhost")

# Celery: Redis is the broker; results are not needed (tasks write to the database).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    # A Redis that stops answering without closing the connection (frozen, failover,
    # a dropped NAT or firewall entry) must not hold a synchronous command such as a
    # publish: it waits forever without a read timeout. Kombu applies no socket timeout
    # to the worker's BRPOP (event loop; health_check_interval drops a stale one), so
    # these bound only publish, ack and ping.
    "socket_connect_timeout": 0.5,
    "socket_timeout": 0.5,
    "socket_keepalive": True,
}
# Redis down or frozen must not hold up a clerk: one attempt (at most ~0.5 s each for
# connecting and for the answer), no retry. The message only wakes work that the
# database already records: requeue_deliveries (beat, every minute) resends it, and
# staff.notify stops publishing for a while after a failure.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 0}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# The beat schedule lives in code; the clock rules themselves are data. Run exactly
# one beat process (never `worker -B` in production); a second one by mistake only
# wakes the same sweep, which acts once per alarm.
DEADLINE_SWEEP_SECONDS = env.int("DEADLINE_SWEEP_SECONDS", default=60)
# A resident not reached at a callback is tried this many times, then recorded as
# unreachable (SPEC §6).
CALLBACK_MAX_TRIES = env.int("CALLBACK_MAX_TRIES", default=3)
# Cases of one kind handled per transaction by the sweep.
DEADLINE_SWEEP_BATCH = env.int("DEADLINE_SWEEP_BATCH", default=200)
# The deadline sweep has a queue and a worker process of its own (`make run` and
# docker-compose.yml start it): a slow channel or a flood of deliveries on the default
# queue can never delay an alarm by more than one sweep interval.
CELERY_DEADLINES_QUEUE = env("CELERY_DEADLINES_QUEUE", default="deadlines")
CELERY_TASK_ROUTES = {"casework.tasks.sweep_deadlines": {"queue": CELERY_DEADLINES_QUEUE}}
# Deliveries per second one worker sends (email and WeCom robots have their limits).
DELIVERY_RATE_LIMIT = env("DELIVERY_RATE_LIMIT", default="10/s")
# Reminders, overdue alarms and extension notices are emailed as one digest per person
# this often (the inbox has them at once; escalations and the rest are emailed at once).
NOTIFY_DIGEST_MINUTES = env.int("NOTIFY_DIGEST_MINUTES", default=15)
CELERY_BEAT_SCHEDULE = {
    "deadline-sweep": {
        "task": "casework.tasks.sweep_deadlines",
        "schedule": float(DEADLINE_SWEEP_SECONDS),
        "options": {"expires": DEADLINE_SWEEP_SECONDS},
    },
    "requeue-deliveries": {
        "task": "staff.tasks.requeue_deliveries",
        "schedule": 60.0,
        "options": {"expires": 60},
    },
    "heartbeat": {
        "task": "staff.tasks.record_heartbeat",
        "schedule": 60.0,
        "args": ("beat",),
        "options": {"expires": 60},
    },
    "notify-digest": {
        "task": "staff.tasks.send_digests",
        "schedule": 60.0 * NOTIFY_DIGEST_MINUTES,
        "options": {"expires": 60 * NOTIFY_DIGEST_MINUTES},
    },
    # SPEC §7: each estate's monthly report on the 30th (the last day of February);
    # the task itself tells the report day from days 28-31.
    "monthly-reports": {
        "task": "reports.tasks.build_monthly_reports",
        "schedule": crontab(minute=0, hour=18, day_of_month="28-31"),
        "options": {"expires": 6 * 3600},
    },
    "mask-old-contacts": {
        "task": "staff.tasks.mask_old_contacts",
        "schedule": crontab(minute=30, hour=3),
        "options": {"expires": 6 * 3600},
    },
}
# Residents' contact data of cases closed longer than this is masked (staff.privacy).
CONTACT_RETENTION_DAYS = env.int("CONTACT_RETENTION_DAYS", default=3 * 365)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Shown in the page title and the navigation.
SITE_NAME = _("Property Service Desk")

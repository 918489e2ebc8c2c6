"""The lockout records of django-axes in our admin, in the admin's language.

Axes' field and model names are gettext'd and translated in our catalog (our
LOCALE_PATHS come before the package's, which has no Chinese). What axes builds in
English here is replaced: the app's name, the "status" and "expiration" columns and
the clean-up action's message (an f-string inside gettext, which no catalog can match).
"""

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.conf import settings as axes_settings
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin, messages
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext

# Axes' own strings on the pages we show, so makemessages keeps their translations.
AXES_MSGIDS = [
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("Access Attempt"),
    gettext_noop("Expires At"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("Logout Time"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("Locked Out"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Not set"),
]

apps.get_app_config("axes").verbose_name = gettext_lazy("Login lockouts")


class LockoutAttemptAdmin(AccessAttemptAdmin):
    @admin.display(description=gettext_lazy("status"))
    def status(self, obj: AccessAttempt) -> str:
        left = axes_settings.AXES_FAILURE_LIMIT - obj.failures_since_start
        if left > 0:
            return ngettext("%(n)d try left", "%(n)d tries left", left) % {"n": left}
        return str(gettext_lazy("Locked Out"))

    @admin.display(description=gettext_lazy("expires at"))
    def expiration(self, obj: AccessAttempt):
        return super().expiration(obj)

    @admin.action(description=gettext_lazy("Clean up expired attempts"))
    def cleanup_expired_attempts(self, request, queryset):
        count = self.handler.clean_expired_user_attempts(request=request)
        self.message_user(
            request,
            ngettext(
                "%(n)d expired access attempt cleaned up.",
                "%(n)d expired access attempts cleaned up.",
                count,
            )
            % {"n": count},
            messages.SUCCESS,
        )


# Axes builds each record's name in English with an f-string ("Attempted Access: …"),
# which no catalog can translate; the admin names a record in the admin's language
# (titles, breadcrumbs, the row checkboxes' labels).
def _attempt_name(self: AccessAttempt) -> str:
    return _("Login attempts of %(user)s") % {"user": self.username}


def _failure_name(self: AccessFailureLog) -> str:
    return _("Failed login of %(user)s at %(at)s") % {
        "user": self.username,
        "at": formats.date_format(timezone.localtime(self.attempt_time), "Y-m-d H:i"),
    }


def _log_name(self: AccessLog) -> str:
    return _("Login of %(user)s at %(at)s") % {
        "user": self.username,
        "at": formats.date_format(timezone.localtime(self.attempt_time), "Y-m-d H:i"),
    }


AccessAttempt.__str__ = _attempt_name
AccessFailureLog.__str__ = _failure_name
AccessLog.__str__ = _log_name


for model, model_admin in [
    (AccessAttempt, LockoutAttemptAdmin),
    (AccessLog, AccessLogAdmin),
    (AccessFailureLog, AccessFailureLogAdmin),
]:
    if admin.site.is_registered(model):
        admin.site.unregister(model)
        admin.site.register(model, model_admin)

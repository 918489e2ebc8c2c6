from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import set_language

from staff import views as staff_views

handler403 = "staff.errors.permission_denied"
handler404 = "staff.errors.page_not_found"
handler500 = "staff.errors.server_error"

# The admin speaks as our product, not as "Django 管理".
admin.site.site_header = _("Property service desk · administration")
admin.site.site_title = _("Property service desk administration")
admin.site.index_title = _("Administration home")

urlpatterns = [
    path("", staff_views.home, name="home"),
    path("health", staff_views.health, name="health"),
    path("accounts/login/", staff_views.DeskLoginView.as_view(), name="login"),
    path("accounts/logout/", staff_views.logout_view, name="logout"),
    # The language switch is offered on the login page too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("inbox/", staff_views.inbox, name="inbox"),
    path(
        "contact/<slug:case_type>/<int:pk>/",
        staff_views.contact_reveal,
        name="contact_reveal",
    ),
    path("inbox/read/", staff_views.inbox_read, name="inbox_read_all"),
    path("inbox/<int:pk>/read/", staff_views.inbox_read, name="inbox_read"),
    path("complaints/", include("complaints.urls")),
    path("repairs/", include("repairs.urls")),
    path("callbacks/", include("callbacks.urls")),
    path("helpdesk/", include("helpdesk.urls")),
    path("reports/", include("reports.urls")),
    path("admin/", admin.site.urls),
]

import logging

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import BaseModelAdmin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext

from . import calendar as business_calendar
from . import selectors
from .admin_auth import TranslatedAuthChoices
from .forms import UnitImportForm
from .models import (
    BusinessCalendar,
    CalendarDay,
    Company,
    ContactReveal,
    ContactRole,
    Department,
    Estate,
    Heartbeat,
    Resident,
    StaffProfile,
    Unit,
)
from .services import staff_profile_set_role_group, unit_import
from .templatetags.staff_tags import person_with_username

User = get_user_model()
logger = logging.getLogger(__name__)

# Django's own strings that its zh_Hans catalog leaves in English on admin pages we
# show; listed so that makemessages keeps their translations in our catalog.
DJANGO_MSGIDS = [gettext_noop("Filter by %(field_name)s")]


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return person_with_username(obj)


class PersonLabels(BaseModelAdmin):
    """Every choice of a user in our admin reads 王小丽 (clerk), never the bare username
    (see ``person_with_username``); users are listed by name."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.remote_field.model is User:
            kwargs.setdefault("form_class", PersonChoiceField)
            kwargs.setdefault(
                "queryset", User.objects.order_by("last_name", "first_name", "username")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def person_column(path: str, description, ordering: str | None = None):
    """A list column (a ModelAdmin method) showing the user at ``path`` (``user``,
    ``head``) as 王小丽 (clerk)."""

    @admin.display(description=description, ordering=ordering or f"{path}__last_name")
    def column(_admin: object, obj: models.Model) -> str:
        user: object = obj
        for part in path.split("__"):
            user = getattr(user, part, None)
        return person_with_username(user) or "—"

    return column


class BusinessCalendarInline(admin.StackedInline):
    model = BusinessCalendar
    can_delete = False


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]
    inlines = [BusinessCalendarInline]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Holidays and make-up working days. The changelist warns while next year is
    unknown: its clocks then count weekends only."""

    list_display = ["date", "kind", "name", "company"]
    list_filter = ["company", "kind", ("date", admin.DateFieldListFilter)]
    date_hierarchy = "date"
    search_fields = ["name"]
    # The load button sits in the object tools: the action bar is hidden while the
    # list is empty, which is exactly when the days are needed.
    change_list_template = "admin/staff/calendarday/change_list.html"

    def get_urls(self):
        custom = [
            path(
                "load/",
                self.admin_site.admin_view(self.load_view),
                name="staff_calendarday_load",
            )
        ]
        return custom + super().get_urls()

    def load_view(self, request: HttpRequest) -> HttpResponse:
        """POST: load this and next year's holidays and make-up working days from the
        chinese-calendar package for the manager's company (every company for a manager
        without one). Days already entered are kept."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_add_permission(request):
            raise PermissionDenied
        year = timezone.localdate().year
        for company in self._companies_of(request.user):
            added = sum(business_calendar.seed_year(company, y) for y in (year, year + 1))
            message = _(
                "%(company)s: %(n)d days of %(year)d and %(next)d loaded from chinese-calendar."
            ) % {"company": company, "n": added, "year": year, "next": year + 1}
            self.log_change(request, company, message)
            logger.info(
                "calendar days loaded: company=%s years=%d-%d added=%d by=%s",
                company.pk,
                year,
                year + 1,
                added,
                request.user.get_username(),
            )
            self.message_user(request, message, messages.SUCCESS)
        return redirect(reverse("admin:staff_calendarday_changelist"))

    @staticmethod
    def _companies_of(user) -> list[Company]:
        profile = getattr(user, "staff_profile", None)
        if profile is not None and profile.estate_id:
            return [profile.estate.company]
        return list(Company.objects.order_by("name"))

    def changelist_view(self, request, extra_context=None):
        next_year = timezone.localdate().year + 1
        for company in Company.objects.all():
            if not business_calendar.year_is_known(company, next_year):
                self.message_user(
                    request,
                    _(
                        "%(company)s: no holidays or make-up working days for %(year)d yet. "
                        "Until they are entered, clocks in working days count Monday to "
                        "Friday only in %(year)d."
                    )
                    % {"company": company, "year": next_year},
                    messages.WARNING,
                )
        return super().changelist_view(request, extra_context)


class DepartmentInline(PersonLabels, admin.TabularInline):
    model = Department
    extra = 0


@admin.register(Estate)
class EstateAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "company", "address"]
    list_filter = ["company", "kind"]
    search_fields = ["code", "name", "address"]
    inlines = [DepartmentInline]


class HeadFilter(admin.SimpleListFilter):
    title = gettext_lazy("head")
    parameter_name = "has_head"

    def lookups(self, request, model_admin):
        return [("no", _("without head")), ("yes", _("with head"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(has_head=self.value() == "yes")
        return queryset


@admin.register(Department)
class DepartmentAdmin(PersonLabels, admin.ModelAdmin):
    """A department without a head is marked, can be filtered, and the changelist warns
    per estate: complaints routed there reach nobody who can sign for them."""

    list_display = ["name", "kind", "estate", "head_name", "has_head"]
    list_filter = [HeadFilter, "estate", "kind"]
    search_fields = [
        "name",
        "estate__name",
        "head__username",
        "head__last_name",
        "head__first_name",
    ]
    list_select_related = ["estate", "head"]

    head_name = person_column("head", gettext_lazy("head"))

    def get_queryset(self, request):
        return selectors.departments_with_head_flag(super().get_queryset(request))

    @admin.display(description=gettext_lazy("has a head"), boolean=True, ordering="has_head")
    def has_head(self, obj: Department) -> bool:
        return bool(getattr(obj, "has_head", False))

    def changelist_view(self, request, extra_context=None):
        headless = (
            selectors.departments_without_head()
            .select_related("estate")
            .order_by("estate__code", "kind")
        )
        by_estate: dict[Estate, list[str]] = {}
        for department in headless:
            by_estate.setdefault(department.estate, []).append(department.name)
        for estate, names in by_estate.items():
            self.message_user(
                request,
                ngettext(
                    "%(estate)s: %(n)d department has no head (%(names)s). Complaints "
                    "routed there alert nobody who can sign for them.",
                    "%(estate)s: %(n)d departments have no head (%(names)s). Complaints "
                    "routed there alert nobody who can sign for them.",
                    len(names),
                )
                % {"estate": estate, "n": len(names), "names": "、".join(names)},
                messages.WARNING,
            )
        return super().changelist_view(request, extra_context)


@admin.register(StaffProfile)
class StaffProfileAdmin(PersonLabels, admin.ModelAdmin):
    list_display = ["person", "role", "estate", "department", "phone"]
    list_display_links = ["person"]
    list_filter = ["role", "estate", "department__kind"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "phone"]
    list_select_related = ["user", "estate", "department__estate"]

    person = person_column("user", gettext_lazy("user"))

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        staff_profile_set_role_group(user=obj.user, role=obj.role)


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    can_delete = False
    fk_name = "user"
    verbose_name_plural = gettext_lazy("staff profile")


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(TranslatedAuthChoices, BaseUserAdmin):
    inlines = [StaffProfileInline]
    list_display = ["username", "last_name", "first_name", "role", "estate", "is_active"]
    list_filter = ["staff_profile__role", "staff_profile__estate", "is_active", "is_staff"]
    list_select_related = ["staff_profile__estate"]

    @admin.display(description=gettext_lazy("role"), ordering="staff_profile__role")
    def role(self, obj):
        profile = getattr(obj, "staff_profile", None)
        return profile.get_role_display() if profile else "—"

    @admin.display(description=gettext_lazy("estate"), ordering="staff_profile__estate")
    def estate(self, obj):
        profile = getattr(obj, "staff_profile", None)
        return profile.estate if profile and profile.estate else "—"

    @transaction.atomic
    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        profile = getattr(form.instance, "staff_profile", None)
        if profile is not None and profile.pk:
            staff_profile_set_role_group(user=form.instance, role=profile.role)


class ResidentInline(admin.TabularInline):
    model = Resident
    extra = 0


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["estate", "building", "entrance", "room", "resident_names"]
    list_filter = ["estate"]
    search_fields = ["room", "building", "residents__name", "residents__phone"]
    list_select_related = ["estate"]
    inlines = [ResidentInline]
    change_list_template = "admin/staff/unit/change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("residents")

    @admin.display(description=gettext_lazy("residents"))
    def resident_names(self, obj):
        return ", ".join(r.name for r in obj.residents.all())

    def get_urls(self):
        custom = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="staff_unit_import",
            )
        ]
        return custom + super().get_urls()

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = UnitImportForm(request.POST or None, request.FILES or None)
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            try:
                result = unit_import(
                    estate=form.cleaned_data["estate"],
                    rows=form.cleaned_data["rows"],
                    actor=request.user,
                )
            except ValidationError as exc:  # the header row or an empty file
                errors = list(exc.messages)
            else:
                errors = result.errors
                if not errors:
                    self.message_user(
                        request,
                        _(
                            "Imported: %(units)d new units, %(res)d new residents, "
                            "%(skip)d rows already present."
                        )
                        % {
                            "units": result.units_created,
                            "res": result.residents_created,
                            "skip": result.rows_skipped,
                        },
                        messages.SUCCESS,
                    )
                    return redirect(reverse("admin:staff_unit_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "import_errors": errors,
            "title": _("Import units and residents"),
        }
        return TemplateResponse(request, "admin/staff/unit/import.html", context)


@admin.register(Resident)
class ResidentAdmin(admin.ModelAdmin):
    list_display = ["name", "phone", "unit"]
    list_filter = ["unit__estate"]
    search_fields = ["name", "phone", "unit__room"]
    list_select_related = ["unit__estate"]
    autocomplete_fields = ["unit"]


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ["key", "beat_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


from . import axes_admin  # noqa: E402, F401  (the lockout records, re-registered)


@admin.register(ContactRole)
class ContactRoleAdmin(admin.ModelAdmin):
    """Which roles may reveal a resident's contact data where their case needs it."""

    list_display = ["role", "may_reveal"]
    list_editable = ["may_reveal"]
    fields = ["role", "may_reveal"]
    readonly_fields = ["role"]

    def has_add_permission(self, request):
        return False  # a row per role, kept by the migrations

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written through the services (so each is in its log) or by the system: the
    admin reads them and never adds, changes or deletes one."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ContactReveal)
class ContactRevealAdmin(ReadOnlyAdmin):
    """Every reveal of a resident's contact data, for managers to read."""

    list_display = ["at", "user", "kind_of_case", "case_number", "field", "how"]
    list_filter = ["field", "how"]
    list_select_related = ["user"]
    search_fields = ["case_number", "user__username"]
    date_hierarchy = "at"
    show_full_result_count = False
    fields = readonly_fields = ("at", "user", "kind_of_case", "case_number", "field", "how")

    @admin.display(description=gettext_lazy("kind of case"), ordering="case_type")
    def kind_of_case(self, obj: ContactReveal) -> str:
        from . import privacy

        case = privacy.get(obj.case_type)
        return str(case.label) if case is not None and case.label else obj.case_type

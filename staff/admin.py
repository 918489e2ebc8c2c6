from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import calendar as business_calendar
from .forms import UnitImportForm
from .models import (
    BusinessCalendar,
    CalendarDay,
    Company,
    Department,
    Estate,
    Heartbeat,
    Resident,
    StaffProfile,
    Unit,
)
from .services import staff_profile_set_role_group, unit_import

User = get_user_model()


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
    actions = ["load_from_package"]

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

    @admin.action(description=gettext_lazy("Load this and next year from chinese-calendar"))
    def load_from_package(self, request, queryset):
        year = timezone.localdate().year
        companies = {d.company for d in queryset.select_related("company")} or set(
            Company.objects.all()
        )
        added = sum(business_calendar.seed_year(c, y) for c in companies for y in (year, year + 1))
        self.message_user(request, _("%(n)d days added.") % {"n": added}, messages.SUCCESS)


class DepartmentInline(admin.TabularInline):
    model = Department
    extra = 0
    autocomplete_fields = ["head"]


@admin.register(Estate)
class EstateAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "company", "address"]
    list_filter = ["company", "kind"]
    search_fields = ["code", "name", "address"]
    inlines = [DepartmentInline]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "estate", "head"]
    list_filter = ["estate", "kind"]
    search_fields = ["name", "estate__name", "head__username", "head__last_name"]
    list_select_related = ["estate", "head"]
    autocomplete_fields = ["head"]


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "estate", "department", "phone"]
    list_filter = ["role", "estate", "department__kind"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "phone"]
    list_select_related = ["user", "estate", "department__estate"]
    autocomplete_fields = ["user"]

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
class UserAdmin(BaseUserAdmin):
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

"""One group per role with its capabilities, so a fresh database has them.

Safe to rerun: groups are fetched or created and their permissions set.
Uses only historical models and literal data (no app imports).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_CAPABILITIES = {
    "clerk": ["use_intake_desk"],
    "duty_officer": ["use_intake_desk"],
    "department_head": ["use_department_queue", "use_repair_orders"],
    "technician": ["use_repair_orders"],
    "supervisor": ["use_intake_desk", "view_estate_overview"],
    "office_director": ["view_estate_overview"],
    "general_manager": ["view_estate_overview", "view_all_estates"],
}


def create_role_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; create them now.
    staff_config = apps.get_app_config("staff")
    staff_config.models_module = True
    create_permissions(staff_config, apps=apps, verbosity=0)
    staff_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_CAPABILITIES.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(
            Permission.objects.filter(
                content_type__app_label="staff",
                content_type__model="staffprofile",
                codename__in=codenames,
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_role_groups, migrations.RunPython.noop)]

"""The project's URLs with the intake desk's admin registered (until complaints/admin.py
imports ``complaints.admin_intake`` itself)."""

from django.contrib import admin
from django.urls import path

import complaints.admin_intake  # noqa: F401 - registers CategoryDepartmentAdmin
from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [path("admin/", admin.site.urls), *project_urlpatterns]

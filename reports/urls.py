from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("overview/", views.overview, name="overview"),
    path("monthly/", views.monthly_list, name="monthly_list"),
    path("monthly/<int:pk>/", views.monthly, name="monthly"),
    path(
        "monthly/company/<int:year>-<int:month>/",
        views.monthly_company,
        name="monthly_company",
    ),
    path(
        "monthly/company/<int:year>-<int:month>/<str:fmt>/",
        views.monthly_company_export,
        name="monthly_company_export",
    ),
    path("monthly/<int:pk>/print/", views.monthly_print, name="monthly_print"),
    path("monthly/<int:pk>/xlsx/", views.monthly_xlsx, name="monthly_xlsx"),
    path("monthly/<int:pk>/csv/", views.monthly_csv, name="monthly_csv"),
    path(
        "monthly/<int:pk>/<str:verb>/",
        views.monthly_act,
        name="monthly_act",
    ),
]

from django.urls import path

from . import views
from .views.intake import intake_history, intake_units

app_name = "complaints"
urlpatterns = [
    path("intake/", views.intake, name="intake"),
    path("intake/units/", intake_units, name="intake_units"),
    path("intake/history/", intake_history, name="intake_history"),
    path("queue/", views.queue, name="queue"),
    path("", views.complaint_list, name="list"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/print/", views.print_form, name="print"),
    path("<int:pk>/<slug:action>/", views.act, name="act"),
    path("extensions/<int:pk>/decide/", views.decide_extension, name="decide_extension"),
]

from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("overview/", views.overview, name="overview"),
]

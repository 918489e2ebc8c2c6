from django.urls import path

from . import views

app_name = "complaints"
urlpatterns = [
    path("intake/", views.intake, name="intake"),
    path("queue/", views.queue, name="queue"),
]

from django.urls import path

from . import views

app_name = "helpdesk"
urlpatterns = [
    path("", views.request_list, name="list"),
    path("new/", views.new, name="new"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/<slug:verb>/", views.act, name="act"),
    path("duty/", views.duty, name="duty"),
    path("duty/<slug:verb>/", views.duty_act, name="duty_act"),
    path("review/", views.review, name="review"),
]

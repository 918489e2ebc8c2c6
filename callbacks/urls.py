from django.urls import path

from . import views

app_name = "callbacks"
urlpatterns = [
    path("", views.callback_list, name="list"),
    path("rates/", views.rates, name="rates"),
    path("<int:pk>/", views.record, name="record"),
    path("<int:pk>/save/", views.save, name="save"),
    path("<int:pk>/signature.png", views.signature, name="signature"),
    path("letters/new/", views.letter_new, name="letter_new"),
    path("letters/write/", views.letter_write, name="letter_write"),
    path("letters/<int:pk>/", views.letter, name="letter"),
    path("letters/<int:pk>/print/", views.letter_print, name="letter_print"),
]

from django.urls import path

from .views import board, desk, order, technician

app_name = "repairs"
urlpatterns = [
    path("", technician.mine, name="mine"),
    path("board/", board.board, name="board"),
    path("board/live/", board.board_live, name="board_live"),
    path("roster/", board.roster, name="roster"),
    path("new/", desk.new, name="new"),
    path("history/", desk.history, name="history"),
    path("<int:pk>/", order.detail, name="detail"),
    path("<int:pk>/print/", order.print_form, name="print"),
    path("<int:pk>/warranty/", order.print_warranty, name="print_warranty"),
    path("<int:pk>/signature.png", order.signature, name="signature"),
    path("<int:pk>/photos/<int:photo_pk>.jpg", order.photo, name="photo"),
    path("<int:pk>/<slug:action>/", order.act, name="act"),
]

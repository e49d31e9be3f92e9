from django.urls import path

from . import views

app_name = "servicecentre"
urlpatterns = [
    path("trung-tam/<int:centre_id>/may-lay-so/", views.kiosk, name="kiosk"),
    path(
        "trung-tam/<int:centre_id>/may-lay-so/so/<str:token>/",
        views.kiosk_ticket,
        name="kiosk-ticket",
    ),
    path("trung-tam/<int:centre_id>/bang-goi-so/", views.board_page, name="board"),
    path(
        "trung-tam/<int:centre_id>/bang-goi-so/noi-dung/",
        views.board_fragment,
        name="board-fragment",
    ),
    path("so-thu-tu/<str:token>/", views.ticket_page, name="ticket"),
    path("so-thu-tu/<str:token>/in/", views.ticket_pdf, name="ticket-pdf"),
    path("so-thu-tu/<str:token>/qr.svg", views.ticket_qr, name="ticket-qr"),
    path("quay-phuc-vu/", views.counter_home, name="counter-home"),
    path("quay-phuc-vu/<int:counter_id>/", views.counter_panel, name="counter"),
    path("quay-phuc-vu/<int:counter_id>/<str:action>/", views.counter_panel, name="counter-action"),
    path("lich-hen/", views.appointments_page, name="appointments"),
    path("lich-hen/<int:pk>/qr.svg", views.appointment_qr, name="appointment-qr"),
]

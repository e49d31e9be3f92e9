from django.urls import path

from . import views

urlpatterns = [
    path("centres/", views.CentreList.as_view(), name="centre-list"),
    path("centres/<int:centre_id>/slots/", views.SlotList.as_view(), name="centre-slots"),
    path("centres/<int:centre_id>/tickets/", views.TicketList.as_view(), name="centre-tickets"),
    path("centres/<int:centre_id>/check-in/", views.CheckIn.as_view(), name="centre-check-in"),
    path("centres/<int:centre_id>/figures/", views.Figures.as_view(), name="centre-figures"),
    path(
        "centres/<int:centre_id>/counters/<int:number>/session/",
        views.CounterSessionView.as_view(),
        name="counter-session",
    ),
    path(
        "centres/<int:centre_id>/counters/<int:number>/call-next/",
        views.CallNext.as_view(),
        name="counter-call-next",
    ),
    *[
        path(
            f"centres/<int:centre_id>/tickets/<int:ticket_id>/{name}/",
            views._ticket_action(name),
            name=f"ticket-{name}",
        )
        for name in views.ACTIONS
    ],
    path("appointments/", views.AppointmentList.as_view(), name="appointment-list"),
    path(
        "appointments/<int:appointment_id>/",
        views.AppointmentDetail.as_view(),
        name="appointment-detail",
    ),
    path(
        "appointments/<int:appointment_id>/cancel/",
        views.AppointmentCancel.as_view(),
        name="appointment-cancel",
    ),
]

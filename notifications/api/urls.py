from django.urls import path

from . import views

urlpatterns = [
    path("me/notifications/", views.MyNotificationsView.as_view(), name="my-notifications"),
    path("me/notifications/read/", views.MarkReadView.as_view(), name="my-notifications-read"),
    path(
        "me/notifications/<int:notification_id>/read/",
        views.MarkOneReadView.as_view(),
        name="my-notification-read",
    ),
    path(
        "me/notification-preferences/",
        views.MyPreferencesView.as_view(),
        name="my-notification-preferences",
    ),
]

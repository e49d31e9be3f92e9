"""The /api/v1/ URL space. App URLconfs are included by dotted path (no import of app code)."""

from django.urls import include, path

urlpatterns = [
    path("", include("accounts.api.urls")),
    path("", include("accesslog.api.urls")),
    path("", include("procedures.api.urls")),
    path("", include("satisfaction.api.urls")),
    path("", include("feedback.api.urls")),
    path("", include("servicecentre.api.urls")),
    path("", include("payments.api.urls")),
    path("", include("dossiers.api.urls")),
    path("", include("indicators.api.urls")),
    path("", include("notifications.api.urls")),
    path("", include("watchdog.api.urls")),
]

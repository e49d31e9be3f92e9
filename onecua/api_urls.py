"""The /api/v1/ URL space. App URLconfs are included by dotted path (no import of app code)."""

from django.urls import include, path

urlpatterns = [
    path("", include("procedures.api.urls")),
]

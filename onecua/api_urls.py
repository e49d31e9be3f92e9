"""The /api/v1/ URL space. App URLconfs are included by dotted path (no import of app code)."""

from django.urls import include, path

from .api.auth import LoginView, LogoutView, MeView

urlpatterns = [
    path("auth/login/", LoginView.as_view(), name="auth-login"),
    path("auth/logout/", LogoutView.as_view(), name="auth-logout"),
    path("auth/me/", MeView.as_view(), name="auth-me"),
    path("", include("procedures.api.urls")),
    path("", include("dossiers.api.urls")),
    path("", include("indicators.api.urls")),
]

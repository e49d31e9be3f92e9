"""The VNeID login's pages, mounted at /vneid/ (config/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="vneid-login"),
    path("callback/", views.CallbackView.as_view(), name="vneid-callback"),
    path("done/", views.done, name="vneid-done"),
    path("logout/", views.logout, name="vneid-logout"),
]

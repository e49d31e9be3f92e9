"""The mock VNeID's routes, relative: mount them under "mock-vneid/"."""

from django.urls import path

from . import views

app_name = "mockvneid"

urlpatterns = [
    path(".well-known/openid-configuration", views.configuration, name="configuration"),
    path("jwks/", views.jwks, name="jwks"),
    path("authorize/", views.authorize, name="authorize"),
    path("token/", views.token, name="token"),
    path("userinfo/", views.userinfo, name="userinfo"),
    path("login.css", views.stylesheet, name="stylesheet"),
    path("_faults", views.faults, name="faults"),
    path("_reset", views.reset, name="reset"),
]

"""The mock portal's routes, relative: mount them under "mock-dvcqg/"."""

from django.urls import path

from . import views

app_name = "mockportal"

urlpatterns = [
    path("auth/token", views.auth_token, name="auth-token"),
    path("hoso/create", views.hoso_create, name="hoso-create"),
    path("hoso/update", views.hoso_update, name="hoso-update"),
    path("hoso/tiendo", views.hoso_tiendo, name="hoso-tiendo"),
    path("hoso/dongbo", views.hoso_dongbo, name="hoso-dongbo"),
    path("hoso/<path:ma_ho_so>", views.hoso_detail, name="hoso-detail"),
    path("tthc", views.tthc_list, name="tthc"),
    path("_faults", views.faults, name="faults"),
    path("_reset", views.reset, name="reset"),
    path("_stats", views.stats, name="stats"),
]

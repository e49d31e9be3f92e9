from django.urls import path

from . import views

app_name = "satisfaction"
urlpatterns = [
    path("danh-gia/<str:token>/", views.link_page, name="link"),
    path("quay/danh-gia/<str:code>/", views.kiosk_page, name="kiosk"),
]

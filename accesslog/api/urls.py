from django.urls import path

from . import views

urlpatterns = [
    path("me/access-log/", views.MyAccessLogView.as_view(), name="my-access-log"),
    path("access-log/", views.AccessLogSearchView.as_view(), name="access-log"),
]

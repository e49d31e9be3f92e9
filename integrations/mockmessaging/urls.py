"""The mock gateways' routes, relative: mount them under "mock-messaging/"."""

from django.urls import path

from . import views

app_name = "mockmessaging"

urlpatterns = [
    path("sms/send", views.sms_send, name="sms-send"),
    path("zalo/send", views.zalo_send, name="zalo-send"),
    path("<str:gateway>/_faults", views.faults, name="faults"),
    path("<str:gateway>/_reset", views.reset, name="reset"),
    path("<str:gateway>/_messages", views.messages, name="messages"),
]

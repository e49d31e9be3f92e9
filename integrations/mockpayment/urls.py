"""The mock payment platform's routes, relative: mount them under "mock-payment/"."""

from django.urls import path

from . import views

app_name = "mockpayment"

urlpatterns = [
    path("api/v1/payments/init", views.init, name="init"),
    path("api/v1/payments/query", views.query, name="query"),
    path("api/v1/reports/daily", views.daily_report, name="daily-report"),
    path("pay/<str:token>/", views.page, name="page"),
    path("static/page.css", views.page_style, name="style"),
    path("_faults", views.faults, name="faults"),
    path("_reset", views.reset, name="reset"),
    path("_stats", views.stats, name="stats"),
    path("_deliver", views.deliver, name="deliver"),
    path("_notifications", views.notifications, name="notifications"),
]

from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("receipts/<str:gateway>/", views.receipt, name="receipt"),
]

from django.urls import path

from . import views

urlpatterns = [
    path(
        "dossiers/<str:code>/payments/",
        views.DossierPaymentsView.as_view(),
        name="dossier-payments",
    ),
    path("payments/ipn/", views.NotificationView.as_view(), name="payment-ipn"),
]

from django.urls import path

from . import views

urlpatterns = [
    path(
        "dossiers/<str:code>/payments/",
        views.DossierPaymentsView.as_view(),
        name="dossier-payments",
    ),
    path(
        "dossiers/<str:code>/payments/<str:reference>/receipt/",
        views.ReceiptView.as_view(),
        name="payment-receipt",
    ),
    path("payments/ipn/", views.NotificationView.as_view(), name="payment-ipn"),
]

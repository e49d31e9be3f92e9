from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("dossiers", views.DossierViewSet, basename="dossier")

urlpatterns = [
    path("counter/intake/", views.CounterIntakeView.as_view(), name="counter-intake"),
    path("counter/receipts/<str:code>/", views.ReceiptSlipView.as_view(), name="counter-receipt"),
    path("track/", views.TrackView.as_view(), name="track"),
    path("", include("dossiers.api.form_urls")),
    path("", include("dossiers.api.document_urls")),
    *router.urls,
]

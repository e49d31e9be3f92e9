from django.urls import path

from . import views

urlpatterns = [
    path("dossiers/<str:code>/rating/", views.DossierRatingView.as_view(), name="dossier-rating"),
]

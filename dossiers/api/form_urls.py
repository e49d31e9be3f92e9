"""URLs of the official forms as PDFs (Mẫu 01–07)."""

from django.urls import path

from . import form_views

urlpatterns = [
    path(
        "dossiers/<str:code>/forms/",
        form_views.DossierFormListView.as_view(),
        name="dossier-forms",
    ),
    path(
        "dossiers/<str:code>/forms/<str:number>/",
        form_views.DossierFormView.as_view(),
        name="dossier-form",
    ),
    path("reports/logbook/", form_views.LogbookView.as_view(), name="report-logbook"),
]

"""URLs of files, the citizen's data store and e-result verification."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import document_views as views

router = SimpleRouter()
router.register("me/documents", views.MyDocumentsViewSet, basename="my-document")

urlpatterns = [
    path(
        "dossiers/<str:code>/components/<int:order>/files/",
        views.ComponentFilesView.as_view(),
        name="component-files",
    ),
    path(
        "dossiers/<str:code>/components/<int:order>/digitise/",
        views.DigitiseView.as_view(),
        name="component-digitise",
    ),
    path("dossiers/<str:code>/e-result/", views.DossierEResultView.as_view(), name="e-result"),
    path("files/<uuid:file_id>/", views.FileDownloadView.as_view(), name="file-download"),
    path("verify/", views.VerifyUploadView.as_view(), name="verify-upload"),
    path("verify/<str:result_id>/", views.VerifyByIdView.as_view(), name="verify-api"),
    *router.urls,
]

"""/lam-viec/: the counter workspace (docs/workspace.md)."""

from django.urls import path

from .views import dossier, intake, my_work

app_name = "workspace"

urlpatterns = [
    path("", my_work.my_work, name="my-work"),
    path("tiep-nhan/", intake.search, name="intake"),
    path("tiep-nhan/xong/<str:code>/", intake.done, name="intake-done"),
    path("tiep-nhan/<str:procedure_code>/", intake.intake, name="intake-form"),
    path("ho-so/<str:code>/", dossier.dossier_page, name="dossier"),
    path("ho-so/<str:code>/xem-truoc-ket-qua/", dossier.result_preview, name="result-preview"),
    path("ho-so/<str:code>/<str:action>/", dossier.action_page, name="action"),
    path("tep/<uuid:file_id>/", dossier.file_view, name="file"),
]

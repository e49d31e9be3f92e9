from django.urls import path

from . import views

urlpatterns = [
    path(
        "watchdog/apology-drafts/",
        views.ApologyDraftListView.as_view(),
        name="watchdog-apology-drafts",
    ),
    path(
        "watchdog/apology-drafts/<str:code>/",
        views.ApologyDraftDetailView.as_view(),
        name="watchdog-apology-draft",
    ),
]

"""Public pages: the e-receipt's verification (/bien-lai/<reference>/)."""

from django.urls import path

from . import public_views

urlpatterns = [
    path("bien-lai/<str:reference>/", public_views.receipt_page, name="public-receipt"),
]

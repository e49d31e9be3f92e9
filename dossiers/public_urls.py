"""Public pages: tracking (/tra-cuu/) and e-result verification (/verify/<id>/)."""

from django.urls import path

from . import public_views

urlpatterns = [
    path("tra-cuu/", public_views.track_page, name="public-track"),
    path("verify/<str:result_id>/", public_views.verify_page, name="public-verify"),
]

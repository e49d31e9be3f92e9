"""Public pages: the e-receipt's verification (/bien-lai/<reference>/), the signed payment link
(/thanh-toan/<token>/)."""

from django.urls import path

from . import public_views

urlpatterns = [
    path("bien-lai/<str:reference>/", public_views.receipt_page, name="public-receipt"),
    path("thanh-toan/<str:token>/", public_views.pay_link, name="public-pay-link"),
]

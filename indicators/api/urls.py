from django.urls import path

from . import views

urlpatterns = [
    path("stats/indicators", views.IndicatorsView.as_view(), name="stats-indicators"),
    path("stats/index766", views.Index766View.as_view(), name="stats-index766"),
]

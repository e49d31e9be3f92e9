from django.urls import path, re_path

from . import views

urlpatterns = [
    path("procedures/", views.ProcedureList.as_view(), name="procedure-list"),
    path("procedures/stats/", views.ProcedureStats.as_view(), name="procedure-stats"),
    path("procedures/<str:code>/", views.ProcedureDetail.as_view(), name="procedure-detail"),
    path("fields/", views.FieldList.as_view(), name="field-list"),
    path("agencies/", views.AgencyList.as_view(), name="agency-list"),
    path("units/", views.UnitList.as_view(), name="unit-list"),
    re_path(r"^calendar/due-date/?$", views.DueDate.as_view(), name="calendar-due-date"),
]

from django.urls import path

from . import views

urlpatterns = [
    path("feedback/", views.FeedbackListView.as_view(), name="feedback-list"),
    path("feedback/public/", views.PublicFeedbackView.as_view(), name="feedback-public"),
    path("feedback/<str:code>/", views.FeedbackDetailView.as_view(), name="feedback-detail"),
    path("feedback/<str:code>/assign/", views.assign_view, name="feedback-assign"),
    path("feedback/<str:code>/answer/", views.answer_view, name="feedback-answer"),
    path("feedback/<str:code>/reject/", views.reject_view, name="feedback-reject"),
    path("feedback/<str:code>/close/", views.close_view, name="feedback-close"),
    path("feedback/<str:code>/satisfaction/", views.satisfaction_view, name="feedback-rate"),
    path("feedback/<str:code>/reopen/", views.reopen_view, name="feedback-reopen"),
]

from django.urls import path

from onboarding import views

urlpatterns = [
    path("", views.board, name="onboarding_board"),
    path("<int:pk>/", views.detail, name="onboarding_detail"),
    path("<int:pk>/tasks/add/", views.task_add, name="onboarding_task_add"),
    path("<int:pk>/live/", views.mark_live, name="onboarding_mark_live"),
    path("<int:pk>/hold/", views.hold, name="onboarding_hold"),
    path("<int:pk>/resume/", views.resume, name="onboarding_resume"),
    path("tasks/<int:pk>/status/", views.task_status, name="onboarding_task_status"),
    path("tasks/<int:pk>/assign/", views.task_assign, name="onboarding_task_assign"),
    path("tasks/<int:pk>/edit/", views.task_edit, name="onboarding_task_edit"),
]

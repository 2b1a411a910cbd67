from django.urls import path

from licensing import views

urlpatterns = [
    path("trials/", views.trial_list, name="trial_list"),
    path("companies/<int:company_pk>/trials/new/", views.trial_start, name="trial_start"),
    path("trials/<int:pk>/", views.trial_detail, name="trial_detail"),
    path("trials/<int:pk>/extend/", views.trial_extend, name="trial_extend"),
    path("trials/<int:pk>/cancel/", views.trial_cancel, name="trial_cancel"),
    path("licenses/", views.license_list, name="license_list"),
    path("licenses/<int:pk>/", views.license_detail, name="license_detail"),
    path("usage/upload/", views.usage_upload, name="usage_upload"),
]

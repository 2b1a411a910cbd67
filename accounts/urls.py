from django.urls import path

from accounts import views

urlpatterns = [
    path("companies/", views.company_list, name="company_list"),
    path("companies/new/", views.company_create, name="company_create"),
    path("companies/import/", views.import_upload, name="import_upload"),
    path("companies/import/<int:pk>/", views.import_detail, name="import_detail"),
    path("companies/import/<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("companies/import/<int:pk>/apply/", views.import_apply, name="import_apply"),
    path(
        "companies/import/<int:pk>/refused.csv",
        views.import_refused_report,
        name="import_refused_report",
    ),
    path("companies/<int:pk>/", views.company_detail, name="company_detail"),
    path("companies/<int:pk>/edit/", views.company_edit, name="company_edit"),
    path("companies/<int:pk>/archive/", views.company_archive, name="company_archive"),
    path("companies/<int:pk>/delete/", views.company_delete, name="company_delete"),
    path("companies/<int:company_pk>/contacts/new/", views.contact_create, name="contact_create"),
    path(
        "companies/<int:company_pk>/interactions/new/",
        views.interaction_create,
        name="interaction_create",
    ),
    path(
        "companies/<int:company_pk>/follow-ups/new/",
        views.follow_up_create,
        name="follow_up_create",
    ),
    path("follow-ups/<int:pk>/done/", views.follow_up_complete, name="follow_up_complete"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/remove/", views.contact_remove, name="contact_remove"),
    path("filters/save/", views.saved_filter_save, name="saved_filter_save"),
    path("filters/<int:pk>/delete/", views.saved_filter_delete, name="saved_filter_delete"),
    path("emails/", views.email_list, name="email_list"),
    path("emails/resend/", views.email_resend, name="email_resend"),
    path("healthz/emails", views.email_health, name="email_health"),
    path("account/api-tokens/", views.api_tokens, name="api_tokens"),
    path(
        "account/api-tokens/<str:digest>/revoke/", views.api_token_revoke, name="api_token_revoke"
    ),
]

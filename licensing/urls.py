from django.urls import path
from django.views.generic import TemplateView

# Placeholders until the back-office issue builds these pages.
urlpatterns = [
    path(
        "trials/",
        TemplateView.as_view(template_name="coming_soon.html", extra_context={"title": "Trials"}),
        name="trial_list",
    ),
    path(
        "licenses/",
        TemplateView.as_view(template_name="coming_soon.html", extra_context={"title": "Licenses"}),
        name="license_list",
    ),
]

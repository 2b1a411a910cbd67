from django.urls import path
from django.views.generic import TemplateView

# Placeholders until the back-office issue builds these pages.
urlpatterns = [
    path(
        "companies/",
        TemplateView.as_view(
            template_name="coming_soon.html", extra_context={"title": "Companies"}
        ),
        name="company_list",
    ),
    path(
        "search/",
        TemplateView.as_view(template_name="coming_soon.html", extra_context={"title": "Search"}),
        name="search",
    ),
]

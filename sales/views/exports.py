from django.urls import path
from django.views.generic import TemplateView

# Placeholder until the PDF/exports issue builds the finance page.
urlpatterns = [
    path(
        "exports/",
        TemplateView.as_view(template_name="coming_soon.html", extra_context={"title": "Exports"}),
        name="finance_exports",
    ),
]

from django.urls import path
from django.views.generic import TemplateView

# Placeholders until the PDF/exports issue builds the finance page and the quote PDF.
urlpatterns = [
    path(
        "quotes/<int:pk>/pdf/",
        TemplateView.as_view(
            template_name="coming_soon.html", extra_context={"title": "Quote PDF"}
        ),
        name="quote_pdf",
    ),
    path(
        "exports/",
        TemplateView.as_view(template_name="coming_soon.html", extra_context={"title": "Exports"}),
        name="finance_exports",
    ),
]

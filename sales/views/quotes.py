from django.urls import path
from django.views.generic import TemplateView

# Placeholders until the back-office issue builds the quote pages.
urlpatterns = [
    path(
        "quotes/",
        TemplateView.as_view(template_name="coming_soon.html", extra_context={"title": "Quotes"}),
        name="quote_list",
    ),
    path(
        "quotes/approvals/",
        TemplateView.as_view(
            template_name="coming_soon.html", extra_context={"title": "Approvals"}
        ),
        name="approval_queue",
    ),
]

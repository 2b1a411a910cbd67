from django.urls import path
from django.views.generic import TemplateView

# Placeholder until the back-office issue builds the per-role home page.
urlpatterns = [
    path(
        "",
        TemplateView.as_view(template_name="coming_soon.html", extra_context={"title": "Home"}),
        name="home",
    ),
]

from django.urls import path
from django.views.generic import TemplateView

# Placeholder until the dashboard issue builds it.
urlpatterns = [
    path(
        "dashboard/",
        TemplateView.as_view(
            template_name="coming_soon.html", extra_context={"title": "Dashboard"}
        ),
        name="dashboard",
    ),
]

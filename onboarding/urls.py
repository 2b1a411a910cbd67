from django.urls import path
from django.views.generic import TemplateView

# Placeholder until the onboarding issue builds the board.
urlpatterns = [
    path(
        "",
        TemplateView.as_view(
            template_name="coming_soon.html", extra_context={"title": "Onboarding"}
        ),
        name="onboarding_board",
    ),
]

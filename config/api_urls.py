"""/api/v1/: every app's API module contributes its viewsets (`routes`) and plain paths
(`urlpatterns`)."""

from importlib import import_module

from rest_framework.routers import DefaultRouter

API_MODULES = [
    "accounts.api",
    "accounts.api_tokens",
    "licensing.api",
    "sales.api.quotes",
    "sales.api.exports",
    "sales.api.metrics",
    "onboarding.api",
]

router = DefaultRouter()
urlpatterns = []
for name in API_MODULES:
    module = import_module(name)
    for prefix, viewset, basename in getattr(module, "routes", []):
        router.register(prefix, viewset, basename=basename)
    urlpatterns += getattr(module, "urlpatterns", [])
urlpatterns += router.urls

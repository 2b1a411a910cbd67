"""Response headers and request limits every page and endpoint shares."""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.cache import add_never_cache_headers


def refuse_large_bodies(get_response):
    """A body larger than DATA_UPLOAD_MAX_MEMORY_SIZE is refused (413) before anything reads
    it: Django checks the size of form posts only, not of the JSON bodies the API reads. A
    view that takes bulk data (the usage feed) names its own `max_body_size`."""

    def middleware(request):
        length = _declared_length(request)
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE and length > _limit_of(request):
            response = _too_large(request)
            add_never_cache_headers(response)
            return response
        return get_response(request)

    return middleware


def no_store_for_personal_data(get_response):
    """Browsers and proxies keep no copy of an API answer or of any page seen signed in
    (companies, prices, contracts); static files, served before this, keep their caching."""

    def middleware(request):
        response = get_response(request)
        if request.path.startswith("/api/") or request.user.is_authenticated:
            add_never_cache_headers(response)
        return response

    return middleware


def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _limit_of(request) -> int:
    """The body size the view of the request accepts (its class's for a DRF view)."""
    try:
        view = resolve(request.path_info).func
    except Resolver404:
        return settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    view = getattr(view, "cls", view)
    return getattr(view, "max_body_size", settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


def _too_large(request):
    limit = _limit_of(request)
    message = f"The request body is larger than the {limit // 1024} KB this server accepts."
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=413)
    return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")

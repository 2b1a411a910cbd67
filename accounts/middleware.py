"""Response headers and request limits every page and endpoint shares."""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers


def refuse_large_bodies(get_response):
    """A body larger than DATA_UPLOAD_MAX_MEMORY_SIZE is refused (413) before anything reads
    it: Django checks the size of form posts only, not of the JSON bodies the API reads."""

    def middleware(request):
        if _declared_length(request) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
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


def _too_large(request):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    message = f"The request body is larger than the {limit // 1024} KB this server accepts."
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=413)
    return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")

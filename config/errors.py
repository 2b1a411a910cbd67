"""Error pages: under /api/ every answer is JSON in DRF's shape ({"detail": "..."}), so a
client's script never has to parse an HTML page; elsewhere Django's own pages (templates/).

DRF answers the errors raised inside its views; these cover what happens before or outside
them: a URL no route matches, a CSRF refusal, a malformed request, a crash."""

from django.http import HttpRequest, JsonResponse
from django.views import defaults
from django.views.csrf import csrf_failure as django_csrf_failure

API_PREFIX = "/api/"


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def bad_request(request, exception, template_name=defaults.ERROR_400_TEMPLATE_NAME):
    if is_api(request):
        return JsonResponse(
            {"detail": "Bad request: the request is malformed or too large."}, status=400
        )
    return defaults.bad_request(request, exception, template_name)


def permission_denied(request, exception, template_name=defaults.ERROR_403_TEMPLATE_NAME):
    if is_api(request):
        message = str(exception) or "You do not have permission to perform this action."
        return JsonResponse({"detail": message}, status=403)
    return defaults.permission_denied(request, exception, template_name)


def page_not_found(request, exception, template_name=defaults.ERROR_404_TEMPLATE_NAME):
    if is_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception, template_name)


def server_error(request, template_name=defaults.ERROR_500_TEMPLATE_NAME):
    if is_api(request):
        return JsonResponse(
            {"detail": "Something went wrong on our side; it has been logged."}, status=500
        )
    return defaults.server_error(request, template_name)


def csrf_failure(request, reason=""):
    if is_api(request):
        return JsonResponse(
            {
                "detail": "CSRF check failed: a browser session must send the X-CSRFToken "
                "header; a script should authenticate with `Authorization: Token <key>`."
            },
            status=403,
        )
    return django_csrf_failure(request, reason)

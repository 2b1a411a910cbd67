"""Sign-in throttling (django-axes): whose address a request comes from, and what a locked-out
sign-in answers: the login page with the reason, or JSON under /api/. Both are 429 with
Retry-After, the cool-off in seconds."""

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import JsonResponse
from django.shortcuts import render


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return (
        "Too many failed sign-ins for this username or from this address: sign-in is paused "
        f"for {minutes} minutes. An administrator can unlock it sooner."
    )


def lockout_response(request, original_response=None, credentials=None):
    retry_after = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": lockout_message()}, status=429)
    else:
        username = (credentials or {}).get("username") or request.POST.get("username", "")
        form = AuthenticationForm(request, initial={"username": username})
        context = {"form": form, "lockout": lockout_message(), "next": request.POST.get("next")}
        response = render(request, "registration/login.html", context, status=429)
    response["Retry-After"] = retry_after
    return response


def client_ip(request) -> str:
    """REMOTE_ADDR, or with TRUSTED_PROXY_COUNT proxies of ours in front, the address the
    outermost of them saw (entries a client put in X-Forwarded-For itself are ignored)."""
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        if len(forwarded) >= count and forwarded[-count]:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR", "")

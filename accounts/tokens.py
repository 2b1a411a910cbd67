"""How an API token signs a request in (django-rest-knox: only hashes are stored), what it
may do (its scope) and how often (its throttle). Named in settings.REST_FRAMEWORK, so this
module imports no DRF view."""

from django.utils import timezone
from knox.auth import TokenAuthentication
from rest_framework import exceptions, permissions, throttling

from accounts.models import ApiToken


class ApiTokenAuthentication(TokenAuthentication):
    """knox's token check, except that an expired token is refused but kept (its owner sees it
    listed as expired) and the user's other tokens are not read on every request."""

    def authenticate_credentials(self, token: bytes):
        try:
            token.decode("utf-8")
        except UnicodeDecodeError as error:
            raise exceptions.AuthenticationFailed("Invalid token.") from error
        return super().authenticate_credentials(token)

    def _cleanup_token(self, auth_token) -> bool:
        return auth_token.is_expired(timezone.now())


class TokenScopePermission(permissions.BasePermission):
    """A read-only token reads: every method but GET, HEAD and OPTIONS is refused (403). A
    usage-feed token reaches only the views that say `usage_feed = True` (403 elsewhere)."""

    def has_permission(self, request, view):
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        if token.usage_only:
            self.message = "This token may only post seat usage."
            return getattr(view, "usage_feed", False)
        if token.read_only:
            self.message = "This token is read-only: make a read-write token to change data."
            return request.method in permissions.SAFE_METHODS
        return True


class TokenRateThrottle(throttling.SimpleRateThrottle):
    """Each token has its own budget (API_THROTTLE_TOKEN_RATE), beside its user's."""

    scope = "token"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.digest[:64]}

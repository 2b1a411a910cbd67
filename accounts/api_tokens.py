"""The endpoint that hands an API token out for a username and password, for scripts; through
django-axes, like the login page."""

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.urls import path
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiToken
from accounts.services import API_TOKEN_MAX_DAYS, create_api_token


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.tokens.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "`Token <key>`: a key from the API tokens page, `POST /api/v1/auth/token/` or "
                "`manage.py create_api_token`. Read-only tokens may only GET."
            ),
        }


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    name = serializers.CharField(max_length=100)
    scope = serializers.ChoiceField(
        choices=ApiToken.Scope.choices, default=ApiToken.Scope.READ_ONLY
    )
    days = serializers.IntegerField(min_value=1, max_value=API_TOKEN_MAX_DAYS, required=False)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="The key: send it as `Authorization: Token <key>`.")
    name = serializers.CharField()
    scope = serializers.ChoiceField(choices=ApiToken.Scope.choices)
    expiry = serializers.DateTimeField()


class ObtainTokenView(APIView):
    """A username and password for a new token, for scripts. Failed attempts count towards the
    same lockout as the login page's."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="token_create",
        tags=["auth"],
        request=TokenRequestSerializer,
        responses={
            201: TokenSerializer,
            429: OpenApiResponse(
                inline_serializer("Locked", {"detail": serializers.CharField()}),
                description="Too many failed sign-ins for the username or from the address",
            ),
        },
        auth=[],
    )
    def post(self, request):
        given = TokenRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        # The Django request: axes marks it when the username or address is locked out, and its
        # middleware then answers 429 instead of this view.
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if getattr(request._request, "axes_locked_out", False):
            return Response(status=status.HTTP_429_TOO_MANY_REQUESTS)
        if user is None:
            raise exceptions.ValidationError({"non_field_errors": ["Wrong username or password."]})
        try:
            token, key = create_api_token(
                user=user, name=data["name"], scope=data["scope"], days=data.get("days")
            )
        except ValidationError as error:
            raise exceptions.ValidationError(serializers.as_serializer_error(error)) from error
        body = {"token": key, "name": token.name, "scope": token.scope, "expiry": token.expiry}
        return Response(TokenSerializer(body).data, status=status.HTTP_201_CREATED)


urlpatterns = [path("auth/token/", ObtainTokenView.as_view(), name="api_token")]

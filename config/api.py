"""Plumbing every API module shares: role permissions, errors, pagination, search, schema.

No business rules live here: the role rules are asked of accounts.roles, the business rules
are the services'. A viewset names the permission each action needs:

    class CompanyViewSet(RoleViewSetMixin, mixins.ListModelMixin, ..., viewsets.GenericViewSet):
        view_permission = "view_companies"   # safe methods; also who may see any object at all
        edit_permission = "edit_company"     # every other method (owned: checked on the object)
        action_permissions = {"create": "create_company", "pdf": "download_quote"}  # overrides

A role without `view_permission` finds no object (404: the queryset is empty for it); a role
that may see an object but not act on it gets 403, asked with the object so "owned"
permissions hold. List-level actions are asked without an object; a new row that hangs from an
owned object names it in `parent_field = "company"`, and creating it is checked on that object.
A plain APIView uses `permission_classes = [TokenScopePermission, RolePermission]` and `view_permission = "export"`.
"""

from datetime import date

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from rest_framework import exceptions, filters, pagination, permissions, serializers
from rest_framework.views import exception_handler as drf_exception_handler

from accounts.roles import can
from accounts.tokens import TokenScopePermission

# Dates far outside any contract would overflow date arithmetic (terms, trial ends): refuse
# them as malformed input instead.
EARLIEST_DATE, LATEST_DATE = date(2000, 1, 1), date(2999, 12, 31)
# PostgreSQL's integer column range, so every database refuses the same input.
LARGEST_INTEGER = 2_147_483_647


class RolePermission(permissions.BasePermission):
    """Asks accounts.roles.can for the permission the view names for its action.

    List-level actions (list, create, non-detail actions) are checked without an object;
    detail actions are checked on the object, after the role-filtered queryset found it.
    """

    def has_permission(self, request, view):
        if not request.user.is_authenticated:
            return False
        if getattr(view, "detail", False):
            return True
        permission = permission_for(request, view)
        return permission is not None and can(request.user, permission)

    def has_object_permission(self, request, view, obj):
        permission = permission_for(request, view)
        return permission is not None and can(request.user, permission, obj)


def permission_for(request, view) -> str | None:
    """The named permission the current action needs (see the module docstring); None when
    the view names none for a write, which nobody may then make."""
    action = getattr(view, "action", None)
    overrides = getattr(view, "action_permissions", {})
    if action in overrides:
        return overrides[action]
    if request.method in permissions.SAFE_METHODS:
        return view.view_permission
    return getattr(view, "edit_permission", None)


class RoleViewSetMixin:
    """Role-checked viewset: objects of a resource the role may not view do not exist for it."""

    permission_classes = [TokenScopePermission, RolePermission]
    view_permission: str
    edit_permission: str | None = None
    action_permissions: dict[str, str] = {}
    parent_field: str | None = None

    def get_queryset(self):
        queryset = super().get_queryset()
        if not can(self.request.user, self.view_permission):
            return queryset.none()
        return queryset

    def perform_create(self, serializer):
        """Check the action's (owned) permission on the object a new row hangs from, e.g. the
        company of a new contact (an account manager adds only to companies they own), then
        save."""
        if self.parent_field:
            self.check_object_permissions(
                self.request, serializer.validated_data[self.parent_field]
            )
        serializer.save()


def exception_handler(exc, context):
    """Services refuse with Django's ValidationError: answer it as a 400 in DRF's usual shape
    ({"field": ["message"], "non_field_errors": ["message"]}), as every other 400 is."""
    if isinstance(exc, DjangoValidationError):
        detail = serializers.as_serializer_error(exc)
        if "__all__" in detail:
            detail.setdefault("non_field_errors", []).extend(detail.pop("__all__"))
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, exceptions.ValidationError) and isinstance(exc.detail, list):
        exc = exceptions.ValidationError({"non_field_errors": exc.detail})
    return drf_exception_handler(exc, context)


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


class SearchFilter(filters.SearchFilter):
    """DRF's search, whose refusal of a malformed term (a NUL character) names the parameter."""

    def get_search_terms(self, request):
        try:
            return super().get_search_terms(request)
        except exceptions.ValidationError as error:
            raise exceptions.ValidationError({self.search_param: error.detail}) from error


class DateField(serializers.DateField):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(within_supported_dates)


def within_supported_dates(value: date) -> None:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise serializers.ValidationError(
            f"Enter a date between {EARLIEST_DATE} and {LATEST_DATE}."
        )


class ModelSerializer(serializers.ModelSerializer):
    """ModelSerializer whose dates and whole numbers stay within what every database and
    date arithmetic accept, so odd input is a 400, never a crash."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateField: DateField,
    }

    def build_standard_field(self, field_name, model_field):
        field_class, field_kwargs = super().build_standard_field(field_name, model_field)
        if issubclass(field_class, serializers.IntegerField):
            limit = field_kwargs.get("max_value", LARGEST_INTEGER)
            field_kwargs["max_value"] = min(limit, LARGEST_INTEGER)
        return field_class, field_kwargs


class CreateOnlyFieldsMixin:
    """Fields listed in Meta.create_only_fields are set on create and read-only afterwards
    (a contact does not move to another company; a quote stays with its company)."""

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:
            for name in getattr(self.Meta, "create_only_fields", ()):
                fields[name].read_only = True
        return fields


ERROR_SCHEMAS = {
    "ValidationError": {
        "type": "object",
        "description": (
            "Bad input, or an action the object's status does not allow; nothing was written. "
            "Each field name maps to a list of messages (nested lines to a list of per-line "
            "errors); `non_field_errors` holds the messages about the whole request."
        ),
        "additionalProperties": {},
    },
    "Error": {
        "type": "object",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
}
ERROR_RESPONSES = {
    "400": ("ValidationError", "Bad input or an action the status does not allow"),
    "401": ("Error", "Not signed in: send `Authorization: Token <key>` or a session cookie"),
    "403": ("Error", "The role may not take this action (on this object)"),
    "404": ("Error", "No such object, or one the role may not see; or no such page"),
    "413": ("Error", "The request body is larger than the server accepts"),
    "429": ("Error", "Too many requests for the user or token: wait `Retry-After` seconds"),
}


def document_errors(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation documents the errors it can
        answer: 401, 403 and 429 everywhere, 404 on objects and pages, 400 where input is read,
    413 where a body is sent."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(ERROR_SCHEMAS)
    for path, operations in result["paths"].items():
        for method, operation in operations.items():
            codes = ["401", "403", "429"]
            if "{" in path or "page" in _parameter_names(operation):
                codes.append("404")
            if method != "get" or _parameter_names(operation) - {"id"}:
                codes.append("400")
            if method in ("post", "put", "patch"):
                codes.append("413")
            for code in codes:
                name, description = ERROR_RESPONSES[code]
                operation["responses"].setdefault(
                    code,
                    {
                        "description": description,
                        "content": {
                            "application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}
                        },
                    },
                )
    return result


def _parameter_names(operation) -> set[str]:
    return {parameter["name"] for parameter in operation.get("parameters", [])}

"""The role-aware API base every app's viewsets share: it asks accounts.roles.can.

A viewset names the permission each action needs:

    class CompanyViewSet(RoleViewSetMixin, mixins.ListModelMixin, ..., viewsets.GenericViewSet):
        view_permission = "view_companies"   # safe methods; also who may see any object at all
        edit_permission = "edit_company"     # every other method (owned: checked on the object)
        action_permissions = {"create": "create_company", "pdf": "download_quote"}  # overrides

A role without `view_permission` finds no object (404: the queryset is empty for it); a role
that may see an object but not act on it gets 403, asked with the object so "owned"
permissions hold. List-level actions are asked without an object; a new row that hangs from an
owned object names it in `parent_field = "company"`, and creating it is checked on that object.
A plain APIView uses `permission_classes = [TokenScopePermission, RolePermission]` and
`view_permission = "export"`.
"""

from datetime import date

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from rest_framework import permissions, serializers

from accounts import limits
from accounts.roles import can, visible
from accounts.tokens import TokenScopePermission

# Dates far outside any contract would overflow date arithmetic (terms, trial ends): refuse
# them as malformed input instead (the bounds are accounts.limits').
EARLIEST_DATE, LATEST_DATE = limits.EARLIEST_DATE, limits.LATEST_DATE
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
        if is_detail(view):
            return True  # asked on the object, once the role-filtered queryset found it
        permission = permission_for(request, view)
        return permission is not None and can(request.user, permission)

    def has_object_permission(self, request, view, obj):
        permission = permission_for(request, view)
        return permission is not None and can(request.user, permission, obj)


def is_detail(view) -> bool:
    """Whether the request names one object (a viewset's detail action, or a plain generic
    view whose URL holds its lookup), so that what the role may not see answers 404."""
    if getattr(view, "detail", False):
        return True
    lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", None)
    return bool(lookup and lookup in getattr(view, "kwargs", {}))


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

    def filter_queryset(self, queryset):
        # Here rather than in get_queryset, which viewsets override: lists and get_object
        # both pass through it.
        return super().filter_queryset(visible(self.request.user, queryset, self.view_permission))

    def perform_create(self, serializer):
        """Check the action's (owned) permission on the object a new row hangs from, e.g. the
        company of a new contact (an account manager adds only to companies they own), then
        save."""
        if self.parent_field:
            parent = serializer.validated_data[self.parent_field]
            # A parent the user may not see (another account manager's company, with
            # ACCOUNT_MANAGER_VISIBILITY "own") answers as a missing one, so ids are not probed.
            if not visible(self.request.user, type(parent).objects.filter(pk=parent.pk)).exists():
                does_not_exist = f'Invalid pk "{parent.pk}" - object does not exist.'
                raise serializers.ValidationError({self.parent_field: [does_not_exist]})
            self.check_object_permissions(self.request, parent)
        serializer.save()


# Serializers: bounds of accounts.limits on every field, the schema showing them.


class DateField(serializers.DateField):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(within_supported_dates)


def within_supported_dates(value: date) -> None:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise serializers.ValidationError(
            f"Enter a date between {EARLIEST_DATE} and {LATEST_DATE}."
        )


class AsciiNumberMixin:
    """int() and Decimal() read "١٢" (Arabic-Indic digits) as 12: a number given as a string
    is written in the digits 0-9, or it is refused."""

    def to_internal_value(self, data):
        if isinstance(data, str) and not data.isascii():
            raise serializers.ValidationError("Enter a number in the digits 0-9.", code="invalid")
        return super().to_internal_value(data)


class IntegerField(AsciiNumberMixin, serializers.IntegerField):
    pass


class DecimalField(AsciiNumberMixin, serializers.DecimalField):
    pass


NUMBER_FIELDS = {serializers.IntegerField: IntegerField, serializers.DecimalField: DecimalField}


class ModelSerializer(serializers.ModelSerializer):
    """ModelSerializer whose dates and numbers stay within the bounds of accounts.limits (read
    from the model fields' validators, so the schema shows them) and what every database and
    date arithmetic accept, so odd input is a 400 with the model's sentence, never a crash."""

    serializer_field_mapping = {
        **{
            model_field: NUMBER_FIELDS.get(field, field)
            for model_field, field in serializers.ModelSerializer.serializer_field_mapping.items()
        },
        models.DateField: DateField,
    }

    def build_standard_field(self, field_name, model_field):
        field_class, field_kwargs = super().build_standard_field(field_name, model_field)
        if issubclass(field_class, serializers.IntegerField):
            limit = field_kwargs.get("max_value", LARGEST_INTEGER)
            field_kwargs["max_value"] = min(limit, LARGEST_INTEGER)
        if issubclass(field_class, (serializers.IntegerField, serializers.DecimalField)):
            # The model's own sentence ("At most 1,000,000 seats per line.") over DRF's.
            messages = {
                key: validator.message
                for validator in model_field.validators
                for key, kind in (
                    ("max_value", MaxValueValidator),
                    ("min_value", MinValueValidator),
                )
                if isinstance(validator, kind) and "%(" not in str(validator.message)
            }
            field_kwargs["error_messages"] = {**field_kwargs.get("error_messages", {}), **messages}
        return field_class, field_kwargs

    def include_extra_kwargs(self, kwargs, extra_kwargs):
        """Meta.extra_kwargs' error messages add to the bounds' sentences, not replace them."""
        messages = {**kwargs.get("error_messages", {}), **extra_kwargs.get("error_messages", {})}
        kwargs = super().include_extra_kwargs(kwargs, extra_kwargs)
        if messages:
            kwargs["error_messages"] = messages
        return kwargs


class CreateOnlyFieldsMixin:
    """Fields listed in Meta.create_only_fields are set on create and read-only afterwards
    (a contact does not move to another company; a quote stays with its company)."""

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:
            for name in getattr(self.Meta, "create_only_fields", ()):
                fields[name].read_only = True
        return fields

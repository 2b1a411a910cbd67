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
A plain APIView uses `permission_classes = [RolePermission]` and `view_permission = "export"`.
"""

from rest_framework import permissions

from accounts.roles import can, visible


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

    permission_classes = [RolePermission]
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
            self.check_object_permissions(
                self.request, serializer.validated_data[self.parent_field]
            )
        serializer.save()

"""Staff roles and what each may do: the one place views, API and templates ask.

A role is a Django group. Named permissions map to the roles that hold them; some
permissions are "owned": an account manager holds them only on the companies and
quotes they own (Administrators hold them on everything).
"""

from enum import StrEnum
from functools import wraps

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404


class Role(StrEnum):
    ACCOUNT_MANAGER = "Account managers"
    SUPPORT = "Support"
    FINANCE = "Finance"
    ADMINISTRATOR = "Administrators"
    # A machine account (the vendor's product): it posts seat usage and does nothing else.
    USAGE_FEED = "Usage feed"


AM, SUPPORT, FINANCE, ADMIN = Role.ACCOUNT_MANAGER, Role.SUPPORT, Role.FINANCE, Role.ADMINISTRATOR
USAGE_FEED = Role.USAGE_FEED
# Every staff role: people. The usage feed is not one of them.
EVERYONE = frozenset({AM, SUPPORT, FINANCE, ADMIN})

PERMISSIONS: dict[str, frozenset[Role]] = {
    "view_companies": EVERYONE,
    "edit_company": frozenset({AM, ADMIN}),  # owned
    "create_company": frozenset({AM, ADMIN}),
    "import_companies": frozenset({AM, ADMIN}),  # companies and contacts from a spreadsheet
    "change_company_owner": frozenset({ADMIN}),  # hand a company to another account manager
    "view_trials": EVERYONE,
    "edit_trial": frozenset({AM, ADMIN}),  # owned, through the company
    "view_licenses": EVERYONE,
    "edit_license": frozenset({AM, ADMIN}),  # owned: add seats, draft renewal
    "view_quotes": frozenset({AM, FINANCE, ADMIN}),
    "edit_quote": frozenset({AM, ADMIN}),  # owned
    "download_quote": frozenset({AM, FINANCE, ADMIN}),  # owned for account managers
    "approve_quote": frozenset({FINANCE, ADMIN}),
    "export": frozenset({FINANCE, ADMIN}),
    "export_lists": frozenset({AM, FINANCE, ADMIN}),  # a list as CSV, the rows the role sees
    "view_price_book": EVERYONE,
    "edit_price_book": frozenset({FINANCE, ADMIN}),
    "view_onboarding": frozenset({AM, SUPPORT, ADMIN}),
    "edit_onboarding": frozenset({SUPPORT, ADMIN}),
    "view_dashboard": frozenset({AM, FINANCE, ADMIN}),
    "manage_emails": frozenset({ADMIN}),  # the outbox: failed and stuck emails, re-send
    "post_usage": frozenset({USAGE_FEED, ADMIN}),  # the seat usage feed and its CSV upload
    # Notes, calls, meetings and follow-ups: support reads them (they run the onboarding of
    # the same clients); Finance deals in documents and sees only the automatic timeline.
    "view_activities": frozenset({AM, SUPPORT, ADMIN}),
    "log_activity": frozenset({AM, ADMIN}),  # owned, through the company: log, plan a follow-up
}

# For these, an account manager needs to own the object (its company's owner or its own owner).
OWNED = frozenset(
    {"edit_company", "edit_trial", "edit_license", "edit_quote", "download_quote", "log_activity"}
)

# The permission that lets a role see rows of a model at all. A role without it finds none:
# their pages, actions, PDFs and API answer 404 whether the row exists or not.
VIEW_PERMISSIONS: dict[str, str] = {
    "accounts.company": "view_companies",
    "accounts.contact": "view_companies",
    "licensing.product": "view_price_book",
    "licensing.trial": "view_trials",
    "licensing.license": "view_licenses",
    "sales.quote": "view_quotes",
    "onboarding.onboarding": "view_onboarding",
    "onboarding.task": "view_onboarding",
    "accounts.interaction": "view_activities",
    "accounts.followup": "view_activities",
}

# Where each model's account manager is, for ACCOUNT_MANAGER_VISIBILITY = "own": the lookups
# (any of them) that lead from a row to the user who owns it. A quote is its author's and its
# company owner's. Models not listed (products) are everyone's.
OWNER_LOOKUPS: dict[str, tuple[str, ...]] = {
    "accounts.company": ("owner",),
    "accounts.contact": ("company__owner",),
    "licensing.trial": ("company__owner",),
    "licensing.license": ("company__owner",),
    "licensing.seatchange": ("license__company__owner",),
    "sales.quote": ("owner", "company__owner"),
    "sales.quoteline": ("quote__owner", "quote__company__owner"),
    "onboarding.onboarding": ("company__owner",),
    "onboarding.task": ("onboarding__company__owner",),
    "accounts.interaction": ("company__owner",),
    "accounts.followup": ("company__owner", "assignee"),
}
TEAM, OWN = "team", "own"
VISIBILITY_CHOICES = (TEAM, OWN)

# Django model permissions each group gets, so the Django admin follows the same roles.
ADMIN_SITE_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    FINANCE: (
        "licensing.view_product",
        "licensing.add_product",
        "licensing.change_product",
        "licensing.view_pricetier",
        "licensing.add_pricetier",
        "licensing.change_pricetier",
        "licensing.delete_pricetier",
    ),
}


def roles_of(user) -> frozenset[Role]:
    """The roles of a signed-in user, read once per request and cached on the user."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_seatdesk_roles", None)
    if cached is None:
        if user.is_superuser:
            cached = frozenset({ADMIN})
        else:
            names = set(user.groups.values_list("name", flat=True))
            cached = frozenset(role for role in Role if role.value in names)
        user._seatdesk_roles = cached
    return cached


def owner_of(obj):
    """The account manager responsible for an object: its own owner or its company's."""
    owner_id = getattr(obj, "owner_id", None)
    if owner_id is None and hasattr(obj, "company"):
        owner_id = obj.company.owner_id
    return owner_id


def can(user, permission: str, obj=None) -> bool:
    """Whether `user` holds `permission` (on `obj`, when the permission is owned)."""
    allowed = PERMISSIONS[permission]
    roles = roles_of(user)
    if ADMIN in roles:
        return True
    held = roles & allowed
    if not held:
        return False
    if permission in OWNED and obj is not None and held == {AM}:
        return owner_of(obj) == user.pk
    return True


def may_complete_follow_up(user, follow_up) -> bool:
    """Its assignee completes a follow-up, and so does whoever may log on its company (its
    owner, an Administrator): a colleague covering for someone on leave."""
    return follow_up.assignee_id == user.pk or can(user, "log_activity", follow_up.company)


def permissions_of(user) -> dict[str, bool]:
    """Every named permission for templates (object-free: 'may do this somewhere')."""
    return {name: can(user, name) for name in PERMISSIONS}


def sync_role_groups(apps=None) -> None:
    """Create the role groups and give them their admin-site permissions (idempotent)."""
    if apps is None:
        from django.apps import apps
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role in Role:
        group, _ = group_model.objects.get_or_create(name=role.value)
        wanted = ADMIN_SITE_PERMISSIONS.get(role, ())
        if role == ADMIN:
            permissions = permission_model.objects.all()
        else:
            permissions = [
                permission
                for permission in permission_model.objects.select_related("content_type")
                if f"{permission.content_type.app_label}.{permission.codename}" in wanted
            ]
        group.permissions.set(permissions)


def holders_of(permission: str):
    """The active users who hold `permission` (Administrators hold every one), by name."""
    return members_of(*PERMISSIONS[permission], ADMIN).filter(is_active=True)


def members_of(*roles: Role):
    """The users holding any of `roles` (superusers count as Administrators), by name."""
    holds = Q(groups__name__in=[role.value for role in roles])
    if ADMIN in roles:
        holds |= Q(is_superuser=True)
    return (
        get_user_model()
        .objects.filter(holds)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def company_owners():
    """Who may own a company: account managers, and Administrators who run accounts too."""
    return members_of(AM, ADMIN)


def sees_own_only(user) -> bool:
    """Whether `user` sees only their own book: ACCOUNT_MANAGER_VISIBILITY is "own" and they
    are an account manager and nothing more (Administrators, Finance and Support see all)."""
    if settings.ACCOUNT_MANAGER_VISIBILITY != OWN:
        return False
    roles = roles_of(user)
    return AM in roles and not roles & {ADMIN, FINANCE, SUPPORT}


def visible(user, queryset, view_permission: str | None = None):
    """The rows of `queryset` the user's role may see: all of them, none when the role lacks
    the model's view permission (VIEW_PERMISSIONS, or `view_permission` if given), and only
    their own (OWNER_LOOKUPS) for an account manager when ACCOUNT_MANAGER_VISIBILITY is "own"."""
    label = queryset.model._meta.label_lower
    if view_permission is None:
        view_permission = VIEW_PERMISSIONS[label]
    if not can(user, view_permission):
        return queryset.none()
    if label in OWNER_LOOKUPS and sees_own_only(user):
        owned = Q()
        for lookup in OWNER_LOOKUPS[label]:
            owned |= Q(**{lookup: user})
        # Several lookups through to-one relations: no row is repeated, no distinct() needed.
        return queryset.filter(owned)
    return queryset


def get_for(user, permission: str, queryset, **lookup):
    """The object a page, action or download acts on, by the one access rule of every path:
    Http404 when there is none or the role may not see its kind (so ids are not probed);
    PermissionDenied (403) when the role may see it but not take `permission` on it."""
    obj = get_object_or_404(visible(user, queryset), **lookup)
    ensure(user, permission, obj)
    return obj


def ensure(user, permission: str, obj=None) -> None:
    """Raise PermissionDenied (a 403 page) unless `user` holds `permission`."""
    if not can(user, permission, obj):
        raise PermissionDenied


def require(permission: str):
    """Decorate a function view: sign-in required, then `permission` (object-free)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            ensure(request.user, permission)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator

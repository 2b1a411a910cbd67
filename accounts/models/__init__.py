"""Accounts models, one module per subject: companies with their contacts and timeline
(companies), the email outbox (outbox), API tokens and role changes (users),
the filters users save on lists (lists)."""

from accounts.models.companies import (
    Activity,
    Company,
    CompanyQuerySet,
    CompanyStatus,
    Contact,
    Industry,
)
from accounts.models.lists import SavedFilter
from accounts.models.outbox import OutboxMessage, OutboxMessageQuerySet
from accounts.models.users import ApiToken, ApiTokenQuerySet, RoleChange

__all__ = [
    "Industry",
    "CompanyStatus",
    "CompanyQuerySet",
    "Company",
    "Contact",
    "Activity",
    "OutboxMessageQuerySet",
    "OutboxMessage",
    "ApiTokenQuerySet",
    "ApiToken",
    "RoleChange",
    "SavedFilter",
]

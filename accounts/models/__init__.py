"""Accounts models, one module per subject: companies with their contacts and timeline
(companies), spreadsheet imports (imports), the email outbox (outbox), API tokens and role changes (users)."""

from accounts.models.companies import (
    Activity,
    Company,
    CompanyQuerySet,
    CompanyStatus,
    Contact,
    Industry,
)
from accounts.models.imports import ImportJob
from accounts.models.outbox import OutboxMessage, OutboxMessageQuerySet
from accounts.models.users import ApiToken, ApiTokenQuerySet, RoleChange

__all__ = [
    "Industry",
    "CompanyStatus",
    "CompanyQuerySet",
    "Company",
    "Contact",
    "Activity",
    "ImportJob",
    "OutboxMessageQuerySet",
    "OutboxMessage",
    "ApiTokenQuerySet",
    "ApiToken",
    "RoleChange",
]

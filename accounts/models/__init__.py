"""Accounts models, one module per subject: companies with their contacts and timeline
(companies), notes, calls, meetings and follow-ups (follow_ups), spreadsheet imports
(imports), the email outbox (outbox), API tokens and role changes (users), the filters users
save on lists (lists)."""

from accounts.models.companies import (
    Activity,
    Company,
    CompanyQuerySet,
    CompanyStatus,
    Contact,
    Industry,
    starts_with,
)
from accounts.models.follow_ups import (
    SUBJECT_MODELS,
    FollowUp,
    FollowUpQuerySet,
    Interaction,
    company_subjects,
    describe_subject,
    subject_key,
    subject_prefetch,
    subjects_of,
    without_open_follow_up,
)
from accounts.models.imports import ImportJob
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
    "starts_with",
    "SUBJECT_MODELS",
    "Interaction",
    "company_subjects",
    "describe_subject",
    "subject_key",
    "subject_prefetch",
    "subjects_of",
    "without_open_follow_up",
    "FollowUpQuerySet",
    "FollowUp",
    "ImportJob",
    "OutboxMessageQuerySet",
    "OutboxMessage",
    "ApiTokenQuerySet",
    "ApiToken",
    "RoleChange",
    "SavedFilter",
]

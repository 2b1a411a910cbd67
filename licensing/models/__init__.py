"""Licensing models, one module per subject: the price book (products), trials, licenses
and their seat changes (licenses), reminder emails (reminders), seat usage (usage)."""

from licensing.models.licenses import (
    LICENSE_STATES,
    SCHEDULED,
    License,
    LicenseQuerySet,
    SeatChange,
)
from licensing.models.products import (
    MONEY,
    MONTHS_PER_PERIOD,
    BillingPeriod,
    PriceTier,
    Product,
    ProductQuerySet,
    annual_value_expression,
)
from licensing.models.reminders import Reminder, ReminderQuerySet, ReminderSweep
from licensing.models.trials import Trial, TrialQuerySet
from licensing.models.usage import (
    CompanyUtilisation,
    LicenseUsage,
    UsagePoint,
    UsageRecord,
    UsageRecordQuerySet,
    UsageSummary,
    UsageSummaryQuerySet,
    license_usage,
)

__all__ = [
    "MONEY",
    "MONTHS_PER_PERIOD",
    "BillingPeriod",
    "annual_value_expression",
    "ProductQuerySet",
    "Product",
    "PriceTier",
    "TrialQuerySet",
    "Trial",
    "LicenseQuerySet",
    "License",
    "SCHEDULED",
    "LICENSE_STATES",
    "SeatChange",
    "ReminderQuerySet",
    "Reminder",
    "ReminderSweep",
    "UsageRecordQuerySet",
    "UsageRecord",
    "UsagePoint",
    "LicenseUsage",
    "license_usage",
    "UsageSummaryQuerySet",
    "UsageSummary",
    "CompanyUtilisation",
]

"""Business actions on trials and licenses: one transaction each, refused with a readable
ValidationError before anything is written.

One module per subject: the price book (products), trials, licenses, and the checks trials
and licenses share (common), seat usage (usage)."""

from licensing.services.common import check_product_not_held, check_products_not_held
from licensing.services.licenses import (
    add_seats,
    cancel_license,
    check_license_active,
    check_renewable,
    convert_trial,
    create_license,
    expire_license,
    renew_license,
    renewal_term,
)
from licensing.services.products import save_product
from licensing.services.trials import (
    cancel_trial,
    check_trial_convertible,
    expire_trial,
    extend_trial,
    start_trial,
)
from licensing.services.usage import UsageResult, record_usage

__all__ = [
    "save_product",
    "check_product_not_held",
    "check_products_not_held",
    "start_trial",
    "extend_trial",
    "cancel_trial",
    "expire_trial",
    "check_trial_convertible",
    "create_license",
    "convert_trial",
    "check_license_active",
    "add_seats",
    "renewal_term",
    "check_renewable",
    "renew_license",
    "cancel_license",
    "expire_license",
    "UsageResult",
    "record_usage",
]

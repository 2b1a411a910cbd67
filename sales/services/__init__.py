"""Sales services, one module per subject: the quote lifecycle (quotes), the approval of
its discount (approvals), the client's answer (answers), quotes drafted from trials and
licenses (drafts), and the quote's email (quote_emails)."""

from sales.services.answers import accept_quote, decline_quote, expire_quote
from sales.services.approvals import approve_quote, reject_quote
from sales.services.drafts import (
    draft_expansion_quote,
    draft_renewal_quote,
    draft_trial_conversion_quote,
    draft_true_up_quote,
)
from sales.services.quote_emails import resend_quote_email
from sales.services.quotes import (
    EDITABLE_FIELDS,
    create_quote,
    price_of,
    revise_quote,
    send_quote,
    update_quote,
)

__all__ = [
    "EDITABLE_FIELDS",
    "price_of",
    "create_quote",
    "update_quote",
    "approve_quote",
    "reject_quote",
    "send_quote",
    "revise_quote",
    "accept_quote",
    "decline_quote",
    "expire_quote",
    "draft_expansion_quote",
    "draft_renewal_quote",
    "draft_trial_conversion_quote",
    "draft_true_up_quote",
    "resend_quote_email",
]

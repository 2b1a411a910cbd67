from sales.pricing import LineInput
from sales.services import create_quote
from tests.accounts.factories import ContactFactory


def make_quote(*, company, product, seats=23, actor=None, **fields):
    """A priced draft quote made the way users make them: through the service."""
    contact = (
        fields.pop("contact", None)
        or company.contacts.filter(is_primary=True).first()
        or ContactFactory(company=company, is_primary=True)
    )
    return create_quote(
        company=company,
        actor=actor or company.owner,
        contact=contact,
        lines=[LineInput(product, seats)],
        **fields,
    )

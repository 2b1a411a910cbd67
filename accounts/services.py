from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from accounts.models import Activity, Company, Contact


def record_activity(
    *, company: Company, kind: str, message: str, actor=None, when=None
) -> Activity:
    """Add a line to the company's timeline."""
    return Activity.objects.create(
        company=company,
        kind=kind,
        message=message[:300],
        actor=actor,
        occurred_at=when or timezone.now(),
    )


@transaction.atomic
def save_company(*, company: Company, actor) -> Company:
    """Validate and save a new or edited company; records it on the timeline."""
    created = company.pk is None
    company.full_clean()
    company.save()
    record_activity(
        company=company,
        kind=Activity.Kind.COMPANY,
        message=f"Company {'created' if created else 'updated'}",
        actor=actor,
    )
    return company


@transaction.atomic
def save_contact(*, contact: Contact, actor) -> Contact:
    """Validate and save a contact; making it primary moves the flag from the previous one."""
    contact.full_clean(validate_constraints=False)
    if contact.is_primary:
        contact.company.contacts.exclude(pk=contact.pk).filter(is_primary=True).update(
            is_primary=False
        )
    contact.validate_constraints()
    contact.save()
    return contact


@transaction.atomic
def remove_contact(*, contact: Contact, actor) -> None:
    """Delete a contact; one who received quotes stays, since the quotes name them."""
    try:
        contact.delete()
    except ProtectedError as error:
        raise ValidationError(
            f"{contact} received quotes and stays on record; untick their flags instead."
        ) from error
    record_activity(
        company=contact.company,
        kind=Activity.Kind.COMPANY,
        message=f"Contact {contact} removed",
        actor=actor,
    )

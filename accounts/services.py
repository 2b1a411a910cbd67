from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import PROTECT, ProtectedError
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


@transaction.atomic
def archive_company(*, company: Company, actor, now=None) -> Company:
    """Hide a company from the lists while keeping every record it has; on the timeline."""
    if company.is_archived:
        raise ValidationError(f"{company} is archived already.")
    company.archived_at = now or timezone.now()
    company.save(update_fields=["archived_at", "updated_at"])
    record_activity(
        company=company, kind=Activity.Kind.COMPANY, message="Company archived", actor=actor
    )
    return company


@transaction.atomic
def restore_company(*, company: Company, actor) -> Company:
    """Bring an archived company back into the lists; on the timeline."""
    if not company.is_archived:
        raise ValidationError(f"{company} is not archived.")
    company.archived_at = None
    company.save(update_fields=["archived_at", "updated_at"])
    record_activity(
        company=company, kind=Activity.Kind.COMPANY, message="Company restored", actor=actor
    )
    return company


def records_blocking_deletion(company: Company) -> list[str]:
    """What keeps a company from being deleted: the names of the business records it has
    (quotes, licenses, trials, onboardings), read through the relations that protect it."""
    blocking = []
    for relation in company._meta.related_objects:
        if relation.on_delete is not PROTECT or not relation.related_name:
            continue
        if getattr(company, relation.related_name).exists():
            blocking.append(str(relation.related_model._meta.verbose_name_plural))
    return sorted(blocking)


def deletion_refusal(company: Company) -> str | None:
    """The sentence refusing to delete the company, or None when it may be deleted."""
    blocking = records_blocking_deletion(company)
    if not blocking:
        return None
    named = blocking[0] if len(blocking) == 1 else f"{', '.join(blocking[:-1])} and {blocking[-1]}"
    return (
        f"{company} has {named} on record and cannot be deleted. "
        "Archive it instead: it leaves the lists and keeps its history."
    )


@transaction.atomic
def delete_company(*, company: Company, actor) -> None:
    """Delete a company with no business records (its contacts and timeline go with it);
    one with quotes, licenses, trials or onboardings is refused: archive it instead."""
    refusal = deletion_refusal(company)
    if refusal:
        raise ValidationError(refusal)
    try:
        company.delete()
    except ProtectedError as error:  # a record added since the check
        raise ValidationError(deletion_refusal(company) or str(error)) from error

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import PROTECT, ProtectedError
from django.utils import timezone
from knox.settings import knox_settings

from accounts import limits
from accounts.models import (
    SUBJECT_MODELS,
    Activity,
    ApiToken,
    Company,
    Contact,
    FollowUp,
    Interaction,
    SavedFilter,
    describe_subject,
)
from accounts.roles import USAGE_FEED, can, company_owners, roles_of


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
    """Validate and save a new or edited company; records it on the timeline and refreshes
    its search document.

    Raises PermissionDenied when someone other than an Administrator hands the company to
    another owner (a new company belongs to whoever creates it)."""
    created = company.pk is None
    check_owner_change(company=company, actor=actor)
    company.full_clean()
    company.save()
    Company.objects.filter(pk=company.pk).refresh_search_documents()
    record_activity(
        company=company,
        kind=Activity.Kind.COMPANY,
        message=f"Company {'created' if created else 'updated'}",
        actor=actor,
    )
    return company


def check_owner_change(*, company: Company, actor) -> None:
    """Only Administrators change who owns a company, on every path (form, API, admin,
    import); the owner must be someone who can own companies. A system actor (None: demo
    data, commands) may set any owner."""
    if company.owner_id is None:
        return  # full_clean asks for one
    if company.pk is None:
        previous_owner_id = actor.pk if actor is not None else None
    else:
        previous = Company.objects.filter(pk=company.pk).values_list("owner_id", flat=True)
        previous_owner_id = previous.first()
    check_owner(
        owner_id=company.owner_id,
        previous_owner_id=previous_owner_id,
        actor=actor,
        owner_ids=company_owners().filter(pk=company.owner_id).values_list("pk", flat=True),
    )


def check_owner(*, owner_id: int, previous_owner_id: int | None, actor, owner_ids) -> None:
    """The ownership rule itself, for a company that was (or, new, would be) `previous_owner_id`'s;
    `owner_ids` holds the ids of those who may own companies (or at least `owner_id`'s)."""
    if owner_id == previous_owner_id:
        return
    if actor is not None and not can(actor, "change_company_owner"):
        raise PermissionDenied("Only Administrators hand a company to another owner.")
    if owner_id not in owner_ids:
        raise ValidationError(
            {"owner": "Choose an account manager or an Administrator as the owner."}
        )


@transaction.atomic
def save_contact(*, contact: Contact, actor) -> Contact:
    """Validate and save a contact; making it primary moves the flag from the previous one.
    Refreshes the search document of its company (and of the one it left, if moved)."""
    contact.full_clean(validate_constraints=False)
    if contact.is_primary:
        contact.company.contacts.exclude(pk=contact.pk).filter(is_primary=True).update(
            is_primary=False
        )
    contact.validate_constraints()
    left = Contact.objects.filter(pk=contact.pk).values_list("company_id", flat=True).first()
    contact.save()
    Company.objects.filter(pk__in={contact.company_id, left}).refresh_search_documents()
    return contact


@transaction.atomic
def remove_contact(*, contact: Contact, actor) -> None:
    """Delete a contact (refreshing their company's search document); one who received
    quotes stays, since the quotes name them."""
    try:
        contact.delete()
    except ProtectedError as error:
        raise ValidationError(
            f"{contact} received quotes and stays on record; untick their flags instead."
        ) from error
    Company.objects.filter(pk=contact.company_id).refresh_search_documents()
    record_activity(
        company=contact.company,
        kind=Activity.Kind.COMPANY,
        message=f"Contact {contact} removed",
        actor=actor,
    )


API_TOKEN_MAX_DAYS = 366


@transaction.atomic
def create_api_token(
    *, user, name: str, scope: str = ApiToken.Scope.READ_ONLY, days: int | None = None
) -> tuple[ApiToken, str]:
    """Make a named, scoped, expiring API token for `user`; returns it with its key, which is
    shown this once (only its hash is stored)."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Name the token after the script or tool that will use it."})
    if len(name) > 100:
        raise ValidationError({"name": "Keep the name to 100 characters."})
    if scope not in ApiToken.Scope.values:
        raise ValidationError({"scope": "Choose read-only or read-write."})
    # A machine account that posts usage gets usage-feed tokens, and only it does.
    if (scope == ApiToken.Scope.USAGE) != (USAGE_FEED in roles_of(user)):
        raise ValidationError(
            {"scope": "Usage-feed tokens are for Usage feed accounts, and they have no other."}
        )
    default_days = knox_settings.TOKEN_TTL.days
    days = default_days if days is None else days
    if not 1 <= days <= API_TOKEN_MAX_DAYS:
        raise ValidationError({"days": f"A token lasts between 1 and {API_TOKEN_MAX_DAYS} days."})
    if not user.is_active:
        raise ValidationError("An inactive user cannot have API tokens.")
    return ApiToken.objects.create(user=user, expiry=timedelta(days=days), name=name, scope=scope)


@transaction.atomic
def create_usage_feed_token(
    *, username: str, name: str, days: int | None = None
) -> tuple[ApiToken, str]:
    """Make a usage-feed token (the key, shown once) for the machine account `username`,
    creating the account in the Usage feed role, without a password, when it is new. An
    existing user of any other role is refused: a person's account never posts usage."""
    username = username.strip()
    if not username:
        raise ValidationError({"username": "Name the machine account, e.g. “usage-feed”."})
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"first_name": "Usage feed"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=USAGE_FEED))
    elif roles_of(user) != {USAGE_FEED}:
        raise ValidationError(
            {"username": f"{username} is a person's account, not a Usage feed account."}
        )
    return create_api_token(user=user, name=name, scope=ApiToken.Scope.USAGE, days=days)


@transaction.atomic
def revoke_api_token(*, token: ApiToken, actor) -> None:
    """Delete the token: requests that send it are refused from now on."""
    if token.user_id != actor.pk and not actor.is_superuser:
        raise ValidationError("Only the token's owner or an administrator may revoke it.")
    token.delete()


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


@transaction.atomic
def save_filter(*, user, list_key: str, name: str, query: str) -> SavedFilter:
    """Save a list's filter under `name` for `user`; a filter of the same name on that list
    takes the new query (saving again updates it)."""
    saved = (
        SavedFilter.objects.select_for_update()
        .filter(user=user, list_key=list_key, name=name)
        .first()
    ) or SavedFilter(user=user, list_key=list_key, name=name)
    saved.query = query
    saved.full_clean(validate_constraints=False)
    saved.save()
    return saved


@transaction.atomic
def delete_saved_filter(*, saved_filter: SavedFilter, actor) -> None:
    """Delete a saved filter: only its own user may."""
    if saved_filter.user_id != actor.pk:
        raise PermissionDenied
    saved_filter.delete()


# Notes, calls, meetings and follow-ups


def _check_parties(*, company: Company, contact: Contact | None, subject) -> None:
    """A contact and a subject (trial, license, quote) must be the company's own."""
    if contact is not None and contact.company_id != company.pk:
        raise ValidationError({"contact": f"{contact} is not a contact of {company}."})
    if subject is None:
        return
    if subject._meta.label_lower not in SUBJECT_MODELS:
        raise ValidationError({"subject": "Choose a trial, a license or a quote."})
    if subject.company_id != company.pk:
        raise ValidationError({"subject": f"{subject} is not one of {company}'s."})


def _check_text(text: str, field: str, limit: int, missing: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: missing})
    limits.check(text, [limits.text_of_at_most(limit)], field)
    return text


@transaction.atomic
def log_activity(
    *,
    company: Company,
    summary: str,
    actor,
    kind: str = Interaction.Kind.NOTE,
    occurred_at=None,
    contact: Contact | None = None,
    subject=None,
) -> Interaction:
    """Log a note, call or meeting on the company's timeline (now, unless it happened at
    `occurred_at`: within the last MAX_LOGGED_DAYS_AGO days, never in the future)."""
    if kind not in Interaction.Kind.values:
        raise ValidationError({"kind": "Choose a note, a call or a meeting."})
    summary = _check_text(summary, "summary", limits.TEXT_NOTES, "Say what was said or agreed.")
    now = timezone.now()
    occurred_at = occurred_at or now
    if timezone.is_naive(occurred_at):
        raise ValidationError({"occurred_at": "Give the time with its time zone."})
    if occurred_at > now + timedelta(minutes=5):  # a few minutes of clock drift
        raise ValidationError(
            {
                "occurred_at": "That is in the future: log it once it has happened, or plan a "
                "follow-up."
            }
        )
    if occurred_at < now - timedelta(days=limits.MAX_LOGGED_DAYS_AGO):
        raise ValidationError(
            {"occurred_at": f"Log what happened in the last {limits.MAX_LOGGED_DAYS_AGO} days."}
        )
    _check_parties(company=company, contact=contact, subject=subject)
    return Interaction.objects.create(
        company=company,
        contact=contact,
        subject=subject,
        kind=kind,
        summary=summary,
        occurred_at=occurred_at,
        author=actor,
    )


@transaction.atomic
def create_follow_up(
    *,
    company: Company,
    title: str,
    due_on,
    assignee,
    actor,
    contact: Contact | None = None,
    subject=None,
    today=None,
) -> FollowUp:
    """Plan a follow-up for `assignee` (an account manager or an Administrator), due today or
    within MAX_FOLLOW_UP_DAYS; on the company's timeline."""
    title = _check_text(title, "title", limits.TEXT_NAME, "Say what is to be done.")
    limits.check(title, [limits.SINGLE_LINE], "title")
    today = today or timezone.localdate()
    if due_on is None:
        raise ValidationError({"due_on": "Give a due date."})
    if due_on < today:
        raise ValidationError({"due_on": "A follow-up falls due today or later."})
    if due_on > today + timedelta(days=limits.MAX_FOLLOW_UP_DAYS):
        raise ValidationError({"due_on": f"Plan at most {limits.MAX_FOLLOW_UP_DAYS} days ahead."})
    if assignee is None or not company_owners().filter(pk=assignee.pk, is_active=True).exists():
        raise ValidationError({"assignee": "Choose an account manager or an Administrator."})
    _check_parties(company=company, contact=contact, subject=subject)
    follow_up = FollowUp.objects.create(
        company=company,
        contact=contact,
        subject=subject,
        title=title,
        due_on=due_on,
        assignee=assignee,
        created_by=actor,
    )
    for_whom = "" if assignee.pk == actor.pk else f" for {_name(assignee)}"
    about = f" ({describe_subject(subject)})" if subject else ""
    record_activity(
        company=company,
        kind=Activity.Kind.FOLLOW_UP,
        message=f"Follow-up planned{for_whom}, due {due_on:%d %b %Y}{about}: {title}",
        actor=actor,
    )
    return follow_up


@transaction.atomic
def complete_follow_up(*, follow_up: FollowUp, actor) -> FollowUp:
    """Mark the follow-up done, once: a second call (a double click, a retry) changes nothing
    and records nothing. On the company's timeline."""
    now = timezone.now()
    # The conditional UPDATE is the claim: of two concurrent calls, one updates the row.
    claimed = FollowUp.objects.filter(pk=follow_up.pk, completed_at__isnull=True).update(
        completed_at=now, completed_by=actor
    )
    follow_up.refresh_from_db(fields=["completed_at", "completed_by"])
    if claimed:
        record_activity(
            company=follow_up.company,
            kind=Activity.Kind.FOLLOW_UP,
            message=f"Follow-up done: {follow_up.title}",
            actor=actor,
            when=now,
        )
    return follow_up


def _name(user) -> str:
    return user.get_full_name() or user.username

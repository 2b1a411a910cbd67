"""Audit history: what the History sections of the pages show, and the record of role changes.

Each app registers its own models with django-simple-history (`history = HistoricalRecords()`);
this module only reads those histories, whatever app they belong to, and records who gave or
took a role (group membership), which Django keeps no history of.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.db.models.signals import m2m_changed
from django.utils import timezone
from django.utils.text import capfirst
from simple_history.models import HistoricalRecords

from accounts.models import RoleChange

# Bookkeeping fields nobody reads as a change.
SKIPPED_FIELDS = frozenset({"id", "created_at", "updated_at", "pdf_sha256"})
HISTORY_LIMIT = 50
Labeller = Callable[[object], str]
KINDS = {"+": "created", "~": "changed", "-": "deleted"}


@dataclass
class FieldChange:
    field: str
    old: str
    new: str


@dataclass
class Change:
    when: datetime
    user: object
    subject: str
    kind: str
    fields: list[FieldChange] = field(default_factory=list)


def _display(model_field, value, names: dict) -> str:
    if value is None or value == "":
        return "—"
    if model_field.is_relation:
        # The related row's name; its id when it is gone.
        return names.get(model_field.related_model, {}).get(value, f"#{value} (deleted)")
    choices = dict(model_field.flatchoices) if model_field.choices else {}
    return str(choices.get(value, value))


# (field, old value, new value), raw as the history row stores them.
RawChange = tuple[object, object, object]


def _diff(record, previous) -> list[RawChange]:
    changes = []
    for model_field in record.instance_type._meta.concrete_fields:
        if model_field.name in SKIPPED_FIELDS or not hasattr(record, model_field.attname):
            continue
        new = getattr(record, model_field.attname)
        old = getattr(previous, model_field.attname) if previous is not None else None
        if previous is not None and old == new:
            continue
        if previous is None and new in (None, ""):
            continue
        changes.append((model_field, old, new))
    return changes


def _name_of(obj) -> str:
    full_name = getattr(obj, "get_full_name", None)
    return (full_name() if full_name else "") or str(obj)


def _related_names(raw_changes: list[list[RawChange]]) -> dict:
    """The names of the rows the changed foreign keys point to: one query per related model,
    whatever the number of changes."""
    wanted: dict = {}
    for fields in raw_changes:
        for model_field, old, new in fields:
            if model_field.is_relation:
                ids = wanted.setdefault(model_field.related_model, set())
                ids.update(value for value in (old, new) if value not in (None, ""))
    return {
        model: {pk: _name_of(obj) for pk, obj in model._base_manager.in_bulk(ids).items()}
        for model, ids in wanted.items()
    }


def changes_of(
    *histories: QuerySet | tuple[QuerySet, Labeller], limit=HISTORY_LIMIT
) -> list[Change]:
    """The newest `limit` changes in the given history querysets (one query each, whatever
    their length, and one per model their foreign keys point to, to show names): who, when,
    which object, and each field's old and new value. A history may come with a function
    naming its object from the history row (by default the model's name), which must read
    only the row's own fields, so the query count stays constant."""
    found = []
    for history in histories:
        history, label = history if isinstance(history, tuple) else (history, _model_name)
        previous_of = {}
        for record in history.select_related("history_user").order_by("history_date", "pk"):
            previous = previous_of.get(record.id)
            previous_of[record.id] = record
            kind = KINDS.get(record.history_type, "changed")
            fields = [] if kind == "deleted" else _diff(record, previous)
            if kind == "changed" and not fields:
                continue
            found.append((record, label(record), kind, fields))
    found.sort(key=lambda item: item[0].history_date, reverse=True)
    found = found[:limit]
    names = _related_names([fields for *_, fields in found])
    return [
        Change(
            record.history_date,
            record.history_user,
            subject,
            kind,
            [
                FieldChange(
                    capfirst(model_field.verbose_name),
                    _display(model_field, old, names),
                    _display(model_field, new, names),
                )
                for model_field, old, new in fields
            ],
        )
        for record, subject, kind, fields in found
    ]


def _model_name(record) -> str:
    return capfirst(record.instance_type._meta.verbose_name)


def _acting_user():
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def record_role_changes(sender, instance, action, reverse, model, pk_set, **kwargs):
    """m2m_changed on User.groups: one RoleChange per user and group given or taken, by the
    signed-in user of the request (None from a shell or a command)."""
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    if action == "pre_clear":
        related = instance.user_set if reverse else instance.groups
        pk_set = set(related.values_list("pk", flat=True))
    if not pk_set:
        return
    if reverse:  # group.user_set.add(...): instance is the group, pk_set the users
        pairs = [(user_pk, instance.name) for user_pk in pk_set]
    else:
        names = dict(Group.objects.filter(pk__in=pk_set).values_list("pk", "name"))
        pairs = [(instance.pk, names[pk]) for pk in pk_set if pk in names]
    taken = action != "post_add"
    now = timezone.now()
    actor = _acting_user()
    RoleChange.objects.bulk_create(
        RoleChange(
            user_id=user_pk,
            role=role,
            action=RoleChange.Action.TAKEN if taken else RoleChange.Action.GIVEN,
            changed_by=actor,
            changed_at=now,
        )
        for user_pk, role in pairs
    )


def connect_role_history() -> None:
    m2m_changed.connect(
        record_role_changes,
        sender=get_user_model().groups.through,
        dispatch_uid="accounts.record_role_changes",
    )

"""Importing companies and contacts from a spreadsheet (CSV or XLSX).

upload (`start_import`: the file read into a table) -> column mapping (guessed from the
headers, editable) -> check (`check_import`: a dry run saying, per row, what would be created,
updated or refused and why) -> apply (`apply_import`: every good row in one transaction) ->
the refused rows as a CSV (`refused_rows_csv`).

A row is one company, matched on its domain, and optionally one of its contacts, matched on
their email within it. Blank cells leave what Seatdesk has; rows of one domain build one
company. Every row goes through the models' own validation (their fields' bounds from
accounts.limits, Company.clean) and the ownership rule of services.check_owner; a refused row
writes nothing, not even its company's part."""

import codecs
import csv
import hashlib
import io
import re
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django_countries import countries

from accounts import limits
from accounts.bulk import gin_indexes_filled_in_bulk, insert_history, insert_rows, update_rows
from accounts.forms import IntegerField
from accounts.models import Activity, Company, Contact, ImportJob, Industry
from accounts.roles import can, company_owners, roles_of, visible
from accounts.services import check_owner

# Seatdesk field -> (label, header spellings it is guessed from, compared without case,
# spaces or punctuation).
COMPANY_FIELDS = {
    "name": ("Company name", {"name", "company", "companyname", "account", "organization"}),
    "domain": ("Domain", {"domain", "website", "companydomain", "web", "url", "companywebsite"}),
    "industry": ("Industry", {"industry", "sector"}),
    "country": ("Country", {"country", "countrycode"}),
    "employee_count": ("Headcount", {"headcount", "employees", "employeecount", "staff"}),
    "target_seats": ("Target seats", {"targetseats", "seattarget", "target"}),
    "billing_address": ("Billing address", {"billingaddress", "address", "invoiceaddress"}),
    "vat_number": ("VAT number", {"vat", "vatnumber", "vatid", "taxid", "vatno"}),
    "owner": ("Owner (username or email)", {"owner", "accountmanager", "companyowner"}),
}
CONTACT_FIELDS = {
    "first_name": ("Contact first name", {"firstname", "contactfirstname", "givenname"}),
    "last_name": ("Contact last name", {"lastname", "contactlastname", "surname", "familyname"}),
    "email": ("Contact email", {"email", "contactemail", "emailaddress", "mail"}),
    "phone": ("Contact phone", {"phone", "contactphone", "phonenumber", "telephone", "mobile"}),
    "job_title": ("Contact job title", {"jobtitle", "title", "position", "role"}),
}
FIELDS = {**COMPANY_FIELDS, **CONTACT_FIELDS}
# The attributes an import sets, by model.
WRITTEN = {
    model: [model._meta.get_field(name).attname for name in fields]
    for model, fields in ((Company, COMPANY_FIELDS), (Contact, CONTACT_FIELDS))
}

# A cell starting with one of these is a formula to a spreadsheet opening the report.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PROGRESS_EVERY = 500
# From this many companies and contacts to write, their trigram indexes are filled in one pass
# at the end (accounts.bulk.gin_indexes_filled_in_bulk): 4,500 contacts updated in 0.8 s
# instead of 4 s (docs/PERFORMANCE.md), at the price of holding the indexes' lock, and so the
# contact and company searches, until the import commits.
GIN_IN_BULK_FROM = 1_000


# Reading the file.


def read_table(*, name: str, content: bytes) -> tuple[list[str], list[list[str]]]:
    """The header row and the rows of a CSV or XLSX file, every cell a stripped string.
    Raises ValidationError saying what is wrong with the file."""
    if len(content) > settings.IMPORT_MAX_BYTES:
        raise ValidationError(
            f"The file is {len(content) / 1_000_000:.1f} MB; the limit is "
            f"{settings.IMPORT_MAX_BYTES / 1_000_000:.1f} MB. Split it into several imports."
        )
    if content.startswith(b"PK\x03\x04"):
        table = _read_xlsx(content)
    elif name.lower().endswith((".xlsx", ".xls")):
        raise ValidationError("This is not an XLSX workbook: save it as .xlsx or as CSV UTF-8.")
    else:
        table = _read_csv(content)
    table = [row for row in table if any(row)]
    if not table:
        raise ValidationError("The file is empty.")
    headers, rows = table[0], table[1:]
    if not rows:
        raise ValidationError("The file has a header row but no rows below it.")
    if len(rows) > limits.MAX_IMPORT_ROWS:
        raise ValidationError(
            f"The file has {len(rows):,} rows; an import takes at most "
            f"{limits.MAX_IMPORT_ROWS:,}. Split it into several files."
        )
    width = len(headers)
    headers = [header or f"Column {index + 1}" for index, header in enumerate(headers)]
    return headers, [(row + [""] * width)[:width] for row in rows]


def _read_csv(content: bytes) -> list[list[str]]:
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = content.decode("utf-16")
    else:
        try:
            text = content.decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a BOM
        except UnicodeDecodeError as error:
            raise ValidationError(
                f"The file is not UTF-8 text (byte {error.start + 1} cannot be read): in your "
                "spreadsheet, save it as “CSV UTF-8”, or as .xlsx."
            ) from None
    if "\x00" in text:
        raise ValidationError("This is not a CSV file: save it as “CSV UTF-8”, or as .xlsx.")
    try:
        dialect = csv.Sniffer().sniff(text[:10_000], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text), dialect)]
    except csv.Error as error:
        raise ValidationError(f"The CSV cannot be read: {error}.") from None


def _read_xlsx(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook  # read only when a workbook comes

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged file
        raise ValidationError(f"The workbook cannot be read ({error}): save it again.") from None
    try:
        sheet = workbook.worksheets[0]
        table = []
        for values in sheet.iter_rows(values_only=True):
            table.append([_cell_text(value) for value in values])
            if len(table) > limits.MAX_IMPORT_ROWS + 1:
                break  # read_table refuses it; no need to read a million rows first
        return table
    finally:
        workbook.close()


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a headcount typed as 120 is stored by Excel as 120.0
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).strip()


def guess_mapping(headers: list[str]) -> dict[str, int]:
    """Seatdesk field -> column index, from the header spellings of FIELDS."""
    mapping = {}
    for index, header in enumerate(headers):
        key = re.sub(r"[^a-z0-9]", "", header.lower())
        for name, (_, spellings) in FIELDS.items():
            if key in spellings and name not in mapping:
                mapping[name] = index
                break
    return mapping


@transaction.atomic
def start_import(*, actor, name: str, content: bytes) -> ImportJob:
    """Read an uploaded file into a new import, its columns mapped by guess."""
    if not can(actor, "import_companies"):
        raise PermissionDenied
    headers, rows = read_table(name=name, content=content)
    return ImportJob.objects.create(
        owner=actor,
        file_name=name[:255],
        headers=headers,
        rows=rows,
        mapping=guess_mapping(headers),
    )


@transaction.atomic
def map_columns(*, job: ImportJob, mapping: dict[str, int | None]) -> ImportJob:
    """Set which column each field is read from, and queue the check (dry run)."""
    from accounts.tasks import check_import_task  # tasks call this module

    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status in (ImportJob.Status.APPLYING, ImportJob.Status.APPLIED):
        raise ValidationError("This import was applied; upload the file again to re-import it.")
    mapping = {name: index for name, index in mapping.items() if index is not None}
    if any(
        name not in FIELDS or not 0 <= index < len(job.headers) for name, index in mapping.items()
    ):
        raise ValidationError("Map each field to one of the file's columns.")
    if "domain" not in mapping:
        raise ValidationError(
            {"domain": "Choose the column of the company domain: rows are matched on it."}
        )
    job.mapping, job.checked_at = mapping, None
    job.status, job.rows_done, job.results, job.counts, job.error = (
        ImportJob.Status.CHECKING,
        0,
        [],
        {},
        "",
    )
    job.save()
    check_import_task.delay_on_commit(job.pk)
    return job


# Checking rows.


@dataclass
class Planned:
    """What the rows build, ready to write: companies by domain, contacts by (domain, email)."""

    companies: dict[str, Company] = field(default_factory=dict)
    changed_domains: set[str] = field(default_factory=set)
    contacts: dict[tuple[str, str], Contact] = field(default_factory=dict)
    changed_contacts: set[tuple[str, str]] = field(default_factory=set)
    results: list[dict] = field(default_factory=list)
    # The fingerprint of what the rows were checked against (_Book.seen).
    seen: dict[str, str] = field(default_factory=dict)


def normalize_domain(text: str) -> str:
    """“https://www.Acme.com/about” -> “acme.com”: the domain as rows are matched on it."""
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text.strip().lower())
    return text.split("/", 1)[0].removeprefix("www.")


@dataclass
class _Book:
    """What the rows are checked against: the companies with the file's domains (by domain),
    their contacts (by company id), who may own a company (by lower-cased username and email),
    and a fingerprint of it all, to tell at the apply whether any of it moved since the check:
    a digest per domain of its companies and contacts, every field, and one ("") of the
    importer's roles and of the owners."""

    companies: dict[str, list[Company]]
    contacts: dict[int, list[Contact]]
    owners: dict[str, object]
    seen: dict[str, str]


def _read_book(*, domains: set[str], actor, lock: bool = False) -> _Book:
    """One read of the companies, one of their contacts and one of the owners, whatever the
    number of rows; `lock` holds the companies until the transaction ends."""
    companies, contacts, owners = {}, {}, {}
    found = (
        Company.objects.annotate(matched_domain=Lower("domain"))
        .filter(matched_domain__in=domains)
        .select_related("owner")
        .order_by("pk")
    )
    if lock:
        found = found.select_for_update(of=("self",))
    for company in found:
        companies.setdefault(company.matched_domain, []).append(company)
    ids = [company.pk for found in companies.values() for company in found]
    for contact in Contact.objects.filter(company_id__in=ids).order_by("pk"):
        contacts.setdefault(contact.company_id, []).append(contact)
    users = list(company_owners().order_by("pk"))
    for user in users:
        owners[user.username.lower()] = user
        if user.email:
            owners.setdefault(user.email.lower(), user)
    seen = {
        domain: _digest(
            [_row_text(company) for company in found],
            [_row_text(contact) for company in found for contact in contacts.get(company.pk, [])],
        )
        for domain, found in companies.items()
    }
    seen[""] = _digest(
        sorted(roles_of(actor)), [(user.pk, user.username, user.email) for user in users]
    )
    return _Book(companies=companies, contacts=contacts, owners=owners, seen=seen)


def _row_text(instance) -> str:
    return repr(_stored(instance, [field.attname for field in instance._meta.concrete_fields]))


def _stored(instance, attnames) -> tuple:
    """The values of these fields as the instance holds them: a country as its code, where
    reading the attribute builds a Country object each time (a good part of an import's time)."""
    return tuple(map(instance.__dict__.__getitem__, attnames))


def _digest(*values) -> str:
    return hashlib.sha256(repr(values).encode()).hexdigest()


def _copy(instance):
    """An unsaved-looking copy of a row's values, to validate changes without touching it."""
    model = type(instance)
    copy = model(*_stored(instance, [field.attname for field in model._meta.concrete_fields]))
    copy._state.adding = instance._state.adding
    return copy


class _Rows:
    """Checks rows one by one against what the database and the earlier rows hold."""

    def __init__(self, *, job: ImportJob, actor):
        self.actor = actor
        self.mapping = job.mapping
        domains = {normalize_domain(row[job.mapping["domain"]]) for row in job.rows} - {""}
        book = _read_book(domains=domains, actor=actor)
        self.existing, contacts, self.owners = book.companies, book.contacts, book.owners
        self.planned = Planned(seen=book.seen)
        ids = [company.pk for found in self.existing.values() for company in found]
        self.visible_ids = set(
            visible(actor, Company.objects.filter(pk__in=ids)).values_list("pk", flat=True)
        )
        for domain, found in self.existing.items():
            for contact in contacts.get(found[0].pk, []):
                self.planned.contacts[(domain, contact.email.lower())] = contact
        self.owner_ids = {user.pk for user in self.owners.values()}
        self.number = IntegerField(required=False)
        # The country field's own check walks its 250 choices for every row (most of the check's
        # time): the same codes are checked here, once per row, and the field is left out below.
        self.country_codes = frozenset(code for code, _ in countries)
        self.industries = Industry.choices  # a list built anew on each read

    def check(self, index: int, cells: list[str]) -> None:
        values = {name: cells[column].strip() for name, column in self.mapping.items()}
        domain = normalize_domain(values.get("domain", ""))
        result = {
            "row": index + 2,
            "domain": domain,
            "company": values.get("name", ""),
            "contact": values.get("email", ""),
            "changes": [],
            "errors": [],
        }
        try:
            company, created = self._company(domain, values, result["changes"])
            contact = self._contact(domain, company, values, result["changes"])
        except ValidationError as error:
            result["action"] = "refused"
            result["errors"] = _sentences(error)
        else:
            self._keep(domain, company, contact, changed=bool(result["changes"]))
            result["company"] = company.name
            result["action"] = (
                "created" if created else "updated" if result["changes"] else "unchanged"
            )
        self.planned.results.append(result)

    def _company(self, domain: str, values: dict, changes: list) -> tuple[Company, bool]:
        if not domain:
            raise ValidationError("No domain: a row is matched to its company by domain.")
        base = self.planned.companies.get(domain)
        if base is None:
            found = self.existing.get(domain, [])
            if len(found) > 1:
                raise ValidationError(
                    f"{len(found)} companies have the domain {domain}: merge them, or update "
                    "them by hand."
                )
            if found:
                self._check_editable(found[0])
                base = found[0]
        created = base is None
        if created:
            base = Company(domain=domain, owner_id=self.actor.pk)
        candidate = _copy(base)
        errors = {}
        for name in COMPANY_FIELDS:
            text = values.get(name, "")
            if text and name != "domain":
                try:
                    self._set_company_field(candidate, name, text)
                except ValidationError as error:
                    errors[name] = error.messages
        if errors:
            raise ValidationError(errors)
        try:
            check_owner(
                owner_id=candidate.owner_id,
                previous_owner_id=base.owner_id,
                actor=self.actor,
                owner_ids=self.owner_ids,
            )
        except PermissionDenied:
            raise ValidationError(
                {"owner": "Only Administrators give a company to another owner: leave it empty."}
            ) from None
        candidate.full_clean(
            exclude=["owner", "country"], validate_unique=False, validate_constraints=False
        )
        if created:
            changes.append("new company")
        else:
            changes.extend(
                f"{label.lower()}: {getattr(base, name) or '—'} → {getattr(candidate, name) or '—'}"
                for name, (label, _) in COMPANY_FIELDS.items()
                if name != "owner" and _stored(candidate, [name]) != _stored(base, [name])
            )
            if candidate.owner_id != base.owner_id:
                changes.append(f"owner → {candidate.owner}")
        return candidate, created

    def _check_editable(self, company: Company) -> None:
        if company.pk not in self.visible_ids or not can(self.actor, "edit_company", company):
            raise ValidationError(
                f"{company.domain} is another account manager's company: ask them or an "
                "Administrator to update it."
            )
        if company.is_archived:
            raise ValidationError(f"{company} is archived: restore it before importing into it.")

    def _set_company_field(self, company: Company, name: str, text: str) -> None:
        if name == "owner":
            owner = self.owners.get(text.lower())
            if owner is None:
                raise ValidationError(f"No account manager or Administrator is “{text}”.")
            company.owner = owner
            return
        if name in ("employee_count", "target_seats"):
            value = self.number.clean(text)
        elif name == "industry":
            value = _choice(text, self.industries, "industry")
        elif name == "country":
            value = text.upper() if text.upper() in self.country_codes else countries.by_name(text)
            if not value:
                raise ValidationError(f"Unknown country “{text}”: its name or ISO code (FR, DE).")
        else:
            value = text
        setattr(company, name, value)

    def _contact(self, domain: str, company: Company, values: dict, changes: list):
        if not any(values.get(name) for name in CONTACT_FIELDS):
            return None
        email = values.get("email", "")
        if not email:
            raise ValidationError(
                {"email": "A contact needs an email: contacts are matched on it."}
            )
        base = self.planned.contacts.get((domain, email.lower()))
        contact = Contact(email=email) if base is None else _copy(base)
        for name in CONTACT_FIELDS:
            if values.get(name) and name != "email":
                setattr(contact, name, values[name])
        try:
            contact.full_clean(
                exclude=["company"], validate_unique=False, validate_constraints=False
            )
        except ValidationError as error:
            raise ValidationError(
                {f"contact {name}": messages for name, messages in error.message_dict.items()}
            ) from None
        if base is None:
            changes.append(f"new contact {email}")
            return contact
        changed = [
            label.removeprefix("Contact ")
            for name, (label, _) in CONTACT_FIELDS.items()
            if _stored(contact, [name]) != _stored(base, [name])
        ]
        if changed:
            changes.append(f"contact {email}: {', '.join(changed)}")
        return contact

    def _keep(self, domain: str, company: Company, contact: Contact | None, changed: bool):
        """Make the row's company and contact the ones the next rows and the write see."""
        planned = self.planned
        planned.companies[domain] = company
        if changed:
            planned.changed_domains.add(domain)
        if contact is not None:
            key = (domain, contact.email.lower())
            planned.contacts[key] = contact
            if contact.pk is not None and changed:
                planned.changed_contacts.add(key)


def _choice(text: str, choices, what: str) -> str:
    for value, label in choices:
        if text.lower() in (value, label.lower()):
            return value
    named = ", ".join(label for _, label in choices)
    raise ValidationError(f"Unknown {what} “{text}”: one of {named}.")


def _sentences(error: ValidationError) -> list[str]:
    if not hasattr(error, "error_dict"):
        return error.messages
    labels = {name: label for name, (label, _) in FIELDS.items()}
    labels.update({f"contact {name}": label for name, (label, _) in CONTACT_FIELDS.items()})
    return [
        f"{labels.get(name, name.replace('_', ' ').capitalize()) if name != '__all__' else ''}"
        f"{': ' if name != '__all__' else ''}{message}"
        for name, messages in error.message_dict.items()
        for message in messages
    ]


def plan_rows(*, job: ImportJob, actor, progress: Callable[[int], None] | None = None) -> Planned:
    """Check every row of the import; nothing is written."""
    rows = _Rows(job=job, actor=actor)
    for index, cells in enumerate(job.rows):
        rows.check(index, cells)
        if progress and (index + 1) % PROGRESS_EVERY == 0:
            progress(index + 1)
    return rows.planned


def _count(results: list[dict]) -> dict[str, int]:
    counts = dict.fromkeys(("created", "updated", "unchanged", "refused"), 0)
    for result in results:
        counts[result["action"]] += 1
    return counts


def _progress_of(job: ImportJob) -> Callable[[int], None]:
    def report(done: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(rows_done=done)

    return report


def check_import(*, job_id: int) -> ImportJob | None:
    """The dry run: check every row and store what each would do, and what the apply will
    write. Safe to run twice: only an import waiting for its check is checked."""
    if not ImportJob.objects.filter(
        pk=job_id, status=ImportJob.Status.CHECKING, checked_at=None
    ).update(checked_at=timezone.now()):
        return None
    job = ImportJob.objects.select_related("owner").get(pk=job_id)
    try:
        planned = plan_rows(job=job, actor=job.owner, progress=_progress_of(job))
    except Exception as error:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED, error=str(error)[:500]
        )
        raise
    job.results, job.counts, job.writes = planned.results, _count(planned.results), _writes(planned)
    job.status, job.rows_done = ImportJob.Status.CHECKED, len(job.rows)
    job.save(update_fields=["results", "counts", "writes", "status", "rows_done"])
    return job


def _writes(planned: Planned) -> dict:
    """The companies and contacts the check decided to create or change, as JSON: their
    key (none when new), their domain and the values the import gives them."""
    return {
        "companies": [
            {"pk": company.pk, "domain": domain, "values": _values(company)}
            for domain, company in planned.companies.items()
            if company.pk is None or domain in planned.changed_domains
        ],
        "contacts": [
            {"pk": contact.pk, "domain": key[0], "values": _values(contact)}
            for key, contact in planned.contacts.items()
            if contact.pk is None or key in planned.changed_contacts
        ],
        "seen": planned.seen,
    }


def _values(instance) -> dict:
    """The fields an import sets on `instance` as the database stores them (a country as its
    code, the owner as its id), by attribute name."""
    attnames = WRITTEN[type(instance)]
    return dict(zip(attnames, _stored(instance, attnames), strict=True))


@transaction.atomic
def request_apply(*, job: ImportJob, actor) -> ImportJob:
    """Queue the apply of a checked import."""
    from accounts.tasks import apply_import_task

    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.owner_id != actor.pk:
        raise PermissionDenied
    if job.status != ImportJob.Status.CHECKED:
        raise ValidationError(
            f"This import is {job.get_status_display().lower()}: it cannot be applied now."
        )
    job.status, job.rows_done = ImportJob.Status.APPLYING, 0
    job.save(update_fields=["status", "rows_done"])
    apply_import_task.delay_on_commit(job.pk)
    return job


def apply_import(*, job_id: int) -> ImportJob | None:
    """Write what the check decided, in one transaction (with the history and a line on each
    company's timeline), once sure that nothing it read has moved since: otherwise, and on any
    error, nothing is written and the import fails with the reason. Safe to run twice: only an
    import waiting to be applied is applied."""
    job = ImportJob.objects.select_related("owner").get(pk=job_id)
    if job.status != ImportJob.Status.APPLYING or job.applied_at is not None:
        return None
    try:
        with transaction.atomic():
            _write(job=job)
    except Exception as error:
        message = "; ".join(_sentences(error)) if isinstance(error, ValidationError) else str(error)
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED, error=f"Nothing was imported: {message}"[:500]
        )
        if isinstance(error, ValidationError):
            return None
        raise
    return job


def _write(*, job: ImportJob) -> None:
    if not ImportJob.objects.select_for_update().filter(pk=job.pk, applied_at=None).exists():
        return
    actor, writes = job.owner, job.writes
    domains = {result["domain"] for result in job.results} - {""}
    book = _read_book(domains=domains, actor=actor, lock=True)
    _check_unmoved(writes["seen"], book.seen)
    job.applied_at = timezone.now()
    large = len(writes["companies"]) + len(writes["contacts"]) >= GIN_IN_BULK_FROM
    with gin_indexes_filled_in_bulk(Company, Contact) if large else nullcontext():
        _write_rows(job=job, book=book)
    job.status, job.rows_done = ImportJob.Status.APPLIED, len(job.rows)
    job.save(update_fields=["status", "rows_done", "applied_at"])


def _write_rows(*, job: ImportJob, book: _Book) -> None:
    actor, writes, now = job.owner, job.writes, job.applied_at
    existing = {company.pk: company for found in book.companies.values() for company in found}
    companies = {domain: found[0] for domain, found in book.companies.items()}
    new, changed = [], []
    for planned in writes["companies"]:
        company = Company() if planned["pk"] is None else existing[planned["pk"]]
        (new if planned["pk"] is None else changed).append(company)
        _set(company, planned["values"])
        company.updated_at = now
        companies[planned["domain"]] = company
    insert_rows(Company, new)
    update_rows(
        Company, changed, [*(name for name in COMPANY_FIELDS if name != "domain"), "updated_at"]
    )
    existing_contacts = {
        contact.pk: contact for found in book.contacts.values() for contact in found
    }
    new_contacts, changed_contacts = [], []
    for planned in writes["contacts"]:
        if planned["pk"] is None:
            contact = Contact(company=companies[planned["domain"]])
            new_contacts.append(contact)
        else:
            contact = existing_contacts[planned["pk"]]
            changed_contacts.append(contact)
        _set(contact, planned["values"])
    insert_rows(Contact, new_contacts)
    update_rows(Contact, changed_contacts, list(CONTACT_FIELDS))
    touched = {
        *(company.pk for company in new + changed),
        *(contact.company.pk for contact in new_contacts),
        *(contact.company_id for contact in changed_contacts),
    }
    Company.objects.filter(pk__in=touched).refresh_search_documents()
    for model, created, updated in (
        (Company, new, changed),
        (Contact, new_contacts, changed_contacts),
    ):
        for kind, rows in (("+", created), ("~", updated)):
            insert_history(model, [row.pk for row in rows], kind, actor=actor, when=now)
    insert_rows(
        Activity,
        [
            Activity(
                company=company,
                kind=Activity.Kind.COMPANY,
                message=f"Company {verb} by the import of {job.file_name}"[:300],
                actor=actor,
                occurred_at=now,
            )
            for verb, written in (("created", new), ("updated", changed))
            for company in written
        ],
    )


def _check_unmoved(before: dict[str, str], now: dict[str, str]) -> None:
    """Refuse the apply if a company or contact the check read (or a company with one of the
    file's domains) changed since, or the importer's roles or the owners did."""
    moved = sorted(key for key in before.keys() | now.keys() if before.get(key) != now.get(key))
    if not moved:
        return
    what = []
    domains = [domain for domain in moved if domain]
    if domains:
        more = f" and {len(domains) - 5:,} more" if len(domains) > 5 else ""
        what.append(f"the companies or contacts of {', '.join(domains[:5])}{more}")
    if "" in moved:
        what.append("your roles or the account managers")
    raise ValidationError(
        f"since the check, {' and '.join(what)} changed: check the rows again, then apply."
    )


def _set(instance, values: dict) -> None:
    for attname, value in values.items():
        setattr(instance, attname, value)


# The report of refused rows.


def _safe_cell(text: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula (CSV injection)."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def refused_rows_csv(job: ImportJob) -> str:
    """The refused rows as they were in the file, with their row number and why."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_safe_cell(text) for text in ["Row", *job.headers, "Why refused"]])
    for result in job.results:
        if result["action"] == "refused":
            cells = job.rows[result["row"] - 2]
            writer.writerow(
                [
                    str(result["row"]),
                    *map(_safe_cell, cells),
                    _safe_cell("; ".join(result["errors"])),
                ]
            )
    return out.getvalue()

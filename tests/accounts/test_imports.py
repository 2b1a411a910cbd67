import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from accounts import imports
from accounts.models import Activity, Company, Contact, ImportJob
from tests.accounts.factories import CompanyFactory, ContactFactory

HEADERS = "Company,Website,Headcount,Target seats,VAT,Owner,First name,Last name,Email,Job title"


def csv_of(*lines: str) -> bytes:
    return ("\n".join([HEADERS, *lines]) + "\n").encode()


def checked(actor, content: bytes, name="companies.csv") -> ImportJob:
    job = imports.start_import(actor=actor, name=name, content=content)
    job = imports.map_columns(job=job, mapping=job.mapping)  # eager: the check runs on commit
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED
    return job


def applied(job: ImportJob) -> ImportJob:
    imports.request_apply(job=job, actor=job.owner)
    job.refresh_from_db()
    return job


@pytest.fixture
def acme(account_manager):
    company = CompanyFactory(
        name="Acme", domain="acme.com", owner=account_manager, employee_count=100, target_seats=50
    )
    ContactFactory(company=company, email="ana@acme.com", first_name="Ana", job_title="CTO")
    return company


def test_the_mapping_is_guessed_from_the_headers(account_manager):
    job = imports.start_import(
        actor=account_manager, name="c.csv", content=csv_of("A,a.com,,,,,,,,")
    )
    assert job.mapping == {
        "name": 0, "domain": 1, "employee_count": 2, "target_seats": 3, "vat_number": 4,
        "owner": 5, "first_name": 6, "last_name": 7, "email": 8, "job_title": 9,
    }  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_the_dry_run_says_per_row_what_would_be_created_updated_or_refused(
    account_manager, other_account_manager, acme
):
    CompanyFactory(name="Theirs", domain="theirs.com", owner=other_account_manager)
    job = checked(
        account_manager,
        csv_of(
            "Globex,https://www.globex.com/,250,100,FR 12 345678901,,Bo,Li,bo@globex.com,CFO",
            "Acme,acme.com,150,,,,Ana,,ana@acme.com,CEO",
            "Initech,initech.com,10,50,,,,,,",
            "Theirs,theirs.com,20,,,,,,,",
            "Hooli,hooli.com,,,XX1,,,,,",
            "Own,own.com,,,,am2,,,,",
        ),
    )
    results = {result["row"]: result for result in job.results}
    assert [results[row]["action"] for row in range(2, 8)] == [
        "created", "updated", "refused", "refused", "refused", "refused",
    ]  # fmt: skip
    assert (
        "new company" in results[2]["changes"]
        and "new contact bo@globex.com" in results[2]["changes"]
    )
    assert "headcount: 100 → 150" in results[3]["changes"]
    assert "contact ana@acme.com: job title" in results[3]["changes"]
    assert results[4]["errors"] == [
        "Target seats: The seat target (50) cannot be above the headcount (10): a seat is one employee's."
    ]
    assert "another account manager's company" in results[5]["errors"][0]
    assert results[6]["errors"][0].startswith("VAT number: Enter a VAT number")
    assert results[7]["errors"][0].startswith("Owner (username or email): Only Administrators")
    assert job.counts == {"created": 1, "updated": 1, "unchanged": 0, "refused": 4}
    # A dry run writes nothing.
    assert not Company.objects.filter(domain__in=["globex.com", "hooli.com"]).exists()
    assert Contact.objects.get(email="ana@acme.com").job_title == "CTO"


@pytest.mark.django_db(transaction=True)
def test_applying_writes_the_good_rows_with_their_history_and_timeline(account_manager, acme):
    job = checked(
        account_manager,
        csv_of(
            "Globex,globex.com,250,100,fr12345678901,,Bo,Li,bo@globex.com,CFO",
            "Globex,globex.com,,,,,Cy,Ng,cy@globex.com,",
            "Acme,acme.com,150,,,,,,ana@acme.com,CEO",
            "Bad,bad.com,-5,,,,,,,",
        ),
    )
    job = applied(job)
    assert job.status == ImportJob.Status.APPLIED
    globex = Company.objects.get(domain="globex.com")
    assert (globex.owner, globex.employee_count, globex.vat_number) == (
        account_manager,
        250,
        "FR12345678901",
    )
    assert sorted(globex.contacts.values_list("email", flat=True)) == [
        "bo@globex.com",
        "cy@globex.com",
    ]
    acme.refresh_from_db()
    assert acme.employee_count == 150
    assert acme.contacts.get().job_title == "CEO"
    assert not Company.objects.filter(domain="bad.com").exists()
    assert globex.history.count() == 1 and acme.history.count() == 2
    latest = acme.history.first()
    assert (latest.history_type, latest.history_user, latest.employee_count) == (
        "~",
        account_manager,
        150,
    )
    assert latest.history_date == job.applied_at
    assert [(row.history_type, row.job_title) for row in acme.contacts.get().history.all()] == [
        ("~", "CEO"),
        ("+", "CTO"),
    ]
    assert globex.history.get().history_type == "+"
    assert Activity.objects.filter(
        company=globex, message__contains="created by the import"
    ).exists()
    assert Activity.objects.filter(company=acme, message__contains="updated by the import").exists()


@pytest.mark.django_db(transaction=True)
def test_a_large_apply_leaves_the_search_indexes_as_it_found_them(account_manager, monkeypatch):
    monkeypatch.setattr(imports, "GIN_IN_BULK_FROM", 1)  # as for 1,000 rows
    applied(checked(account_manager, csv_of("Globex,globex.com,,,,,Bo,Lindqvist,bo@globex.com,")))
    assert list(Contact.objects.search("lindq").values_list("email", flat=True)) == [
        "bo@globex.com"
    ]
    assert Company.objects.filter(name__icontains="lobe").count() == 1
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT DISTINCT reloptions FROM pg_class WHERE relname LIKE 'accounts_co%_trgm'"
            )
            assert cursor.fetchall() == [(["fastupdate=off"],)]


@pytest.mark.django_db(transaction=True)
def test_an_administrator_may_give_imported_companies_to_an_account_manager(admin, account_manager):
    job = applied(checked(admin, csv_of("Globex,globex.com,,,,am,,,,")))
    assert Company.objects.get(domain="globex.com").owner == account_manager
    assert job.counts["created"] == 1


@pytest.mark.django_db(transaction=True)
def test_a_crash_while_applying_leaves_nothing_imported(account_manager, acme, monkeypatch):
    job = checked(
        account_manager,
        csv_of("Globex,globex.com,,,,,Bo,Li,bo@globex.com,", "Acme,acme.com,150,,,,,,,"),
    )

    insert_rows = imports.insert_rows

    def crash_at_the_contacts(model, rows):
        if model is Contact:
            raise RuntimeError("the database went away")
        insert_rows(model, rows)

    # The contacts are written after the companies: a failure there must undo those too.
    monkeypatch.setattr(imports, "insert_rows", crash_at_the_contacts)
    with pytest.raises(RuntimeError):
        applied(job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert "Nothing was imported: the database went away" == job.error
    assert not Company.objects.filter(domain="globex.com").exists()
    assert not Contact.objects.filter(email="bo@globex.com").exists()
    acme.refresh_from_db()
    assert acme.employee_count == 100


@pytest.mark.django_db(transaction=True)
def test_a_company_added_since_the_check_stops_the_apply_and_says_which(
    account_manager, other_account_manager
):
    job = checked(
        account_manager, csv_of("Globex,globex.com,,,,,,,,", "Initech,initech.com,,,,,,,,")
    )
    CompanyFactory(name="Globex", domain="GLOBEX.com", owner=other_account_manager)
    job = applied(job)
    assert job.status == ImportJob.Status.FAILED
    assert job.error == (
        "Nothing was imported: since the check, the companies or contacts of globex.com "
        "changed: check the rows again, then apply."
    )
    assert not Company.objects.filter(domain="initech.com").exists()
    # Checked again, the row is refused for the reason a first check would have given.
    job = applied(
        checked(account_manager, csv_of("Globex,globex.com,,,,,,,,", "Initech,initech.com,,,,,,,,"))
    )
    assert job.counts == {"created": 1, "updated": 0, "unchanged": 0, "refused": 1}
    assert "another account manager's company" in job.results[0]["errors"][0]
    assert Company.objects.filter(domain__iexact="globex.com").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_contact_edited_since_the_check_stops_the_whole_apply(account_manager, acme):
    job = checked(account_manager, csv_of("Globex,globex.com,,,,,,,,", "Acme,acme.com,150,,,,,,,"))
    Contact.objects.filter(email="ana@acme.com").update(phone="+33 1 23 45 67 89")
    job = applied(job)
    assert job.status == ImportJob.Status.FAILED
    assert "acme.com changed: check the rows again" in job.error
    assert not Company.objects.filter(domain="globex.com").exists()
    acme.refresh_from_db()
    assert acme.employee_count == 100


@pytest.mark.django_db(transaction=True)
def test_an_owner_who_is_no_longer_an_account_manager_stops_the_apply(admin, account_manager):
    job = checked(admin, csv_of("Globex,globex.com,,,,am,,,,"))
    account_manager.groups.clear()
    job = applied(job)
    assert job.status == ImportJob.Status.FAILED
    assert "your roles or the account managers changed" in job.error
    assert not Company.objects.filter(domain="globex.com").exists()


@pytest.mark.django_db(transaction=True)
def test_the_apply_reads_and_writes_in_bulk_whatever_the_number_of_rows(account_manager, acme):
    def apply_queries(count: int) -> int:
        lines = [f"C{i},c{i}-{count}.com,10,5,,,Bo,Li,bo@c{i}-{count}.com," for i in range(count)]
        job = checked(account_manager, csv_of(*lines, f"Acme,acme.com,{100 + count},,,,,,,"))
        with CaptureQueriesContext(connection) as queries:
            job = applied(job)
        assert job.counts == {"created": count, "updated": 1, "unchanged": 0, "refused": 0}
        return len(queries)

    assert apply_queries(40) == apply_queries(4)
    assert Company.objects.filter(domain__endswith="-40.com").count() == 40


@pytest.mark.django_db(transaction=True)
def test_the_refused_rows_report_keeps_the_cells_and_disarms_formulas(account_manager):
    job = checked(
        account_manager,
        csv_of('=HYPERLINK("http://evil"),evil.com,-3,,,,,,,', "Fine,fine.com,10,,,,,,,"),
    )
    report = list(csv.reader(io.StringIO(imports.refused_rows_csv(job))))
    assert report[0] == ["Row", *HEADERS.split(","), "Why refused"]
    assert report[1][:4] == ["2", '\'=HYPERLINK("http://evil")', "evil.com", "'-3"]
    assert report[1][-1] == "Headcount: Ensure this value is greater than or equal to 0."
    assert len(report) == 2


def test_a_file_that_is_not_utf8_is_refused_with_what_to_do(account_manager):
    with pytest.raises(ValidationError, match="not UTF-8.*CSV UTF-8"):
        imports.read_table(name="c.csv", content="Company,Domain\nCafé,cafe.fr\n".encode("cp1252"))


def test_a_bom_and_semicolons_are_read(account_manager):
    headers, rows = imports.read_table(
        name="c.csv", content="\ufeffCompany;Domain\nCafé;cafe.fr\n".encode()
    )
    assert (headers, rows) == (["Company", "Domain"], [["Café", "cafe.fr"]])


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.IMPORT_MAX_BYTES = 100
    with pytest.raises(ValidationError, match="the limit is 0.0 MB"):
        imports.read_table(name="c.csv", content=b"x" * 101)


def test_too_many_rows_are_refused():
    content = ("Company,Domain\n" + "A,a.com\n" * 10_001).encode()
    with pytest.raises(ValidationError, match="10,001 rows; an import takes at most 10,000"):
        imports.read_table(name="c.csv", content=content)


def test_an_xlsx_workbook_is_read():
    workbook = Workbook()
    workbook.active.append(["Company", "Domain", "Headcount"])
    workbook.active.append(["Globex", "globex.com", 120])
    out = io.BytesIO()
    workbook.save(out)
    assert imports.read_table(name="c.xlsx", content=out.getvalue()) == (
        ["Company", "Domain", "Headcount"],
        [["Globex", "globex.com", "120"]],
    )


def test_a_file_named_xlsx_that_is_not_one_is_refused():
    with pytest.raises(ValidationError, match="not an XLSX workbook"):
        imports.read_table(name="c.xlsx", content=b"Company\nA\n")

"""An import in a real browser (Debian chromium): upload, the guessed columns, the dry run
with good, updated and refused rows, the apply, and the report of refused rows."""

import csv
import io

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Company
from tests.accounts.factories import CompanyFactory, ContactFactory
from tests.browser.test_back_office import PASSWORD, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FILE = (
    "\ufeffCompany;Website;Headcount;Target seats;VAT;First name;Last name;Email\n"
    "Globex;https://www.globex.com/;250;100;FR 12 345678901;Bo;Li;bo@globex.com\n"
    "Acme;acme.com;150;;;Ana;Lima;ana@acme.com\n"
    "=Evil;evil.com;10;50;;;;\n"
)


def test_an_import_with_good_updated_and_refused_rows(
    page: Page, live_server, account_manager, tmp_path
):
    account_manager.set_password(PASSWORD)
    account_manager.save()
    acme = CompanyFactory(name="Acme", domain="acme.com", owner=account_manager, employee_count=90)
    ContactFactory(company=acme, email="ana@acme.com", first_name="Ana", last_name="Old")
    upload = tmp_path / "companies.csv"
    upload.write_text(FILE, encoding="utf-8")

    sign_in(page, live_server, account_manager.username)
    page.goto(f"{live_server.url}/companies/")
    page.get_by_role("link", name="Import").click()
    page.get_by_label("CSV or XLSX file").set_input_files(str(upload))
    page.get_by_role("button", name="Upload").click()

    # The columns are guessed from the headers.
    expect(page.get_by_label("Domain")).to_have_value("1")
    expect(page.get_by_label("Contact email")).to_have_value("7")
    page.get_by_role("button", name="Check the rows").click()

    expect(page.locator("#import-counts")).to_contain_text("1 to create")
    expect(page.locator("#import-counts")).to_contain_text("1 to update")
    expect(page.locator("#import-counts")).to_contain_text("1 refused")
    results = page.locator("#import-results tbody tr")
    expect(results.nth(0)).to_contain_text("new contact bo@globex.com")
    expect(results.nth(1)).to_contain_text("headcount: 90 → 150")
    expect(results.nth(2)).to_contain_text("cannot be above the headcount")
    page.screenshot(path=str(tmp_path / "import-checked.png"), full_page=True)
    assert not Company.objects.filter(domain="globex.com").exists()

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the refused rows (CSV)").click()
    report = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8"))))
    assert report[1][:3] == ["4", "'=Evil", "evil.com"]

    page.get_by_role("button", name="Apply: 1 created, 1 updated").click()
    expect(page.get_by_role("status")).to_contain_text("Imported: 1 created, 1 updated")
    globex = Company.objects.get(domain="globex.com")
    assert (globex.vat_number, globex.owner) == ("FR12345678901", account_manager)
    acme.refresh_from_db()
    assert acme.employee_count == 150
    assert acme.contacts.get().last_name == "Lima"


def test_an_import_whose_company_changed_since_the_check_is_checked_again(
    page: Page, live_server, account_manager, tmp_path
):
    account_manager.set_password(PASSWORD)
    account_manager.save()
    acme = CompanyFactory(name="Acme", domain="acme.com", owner=account_manager, employee_count=90)
    upload = tmp_path / "companies.csv"
    upload.write_text(FILE, encoding="utf-8")
    sign_in(page, live_server, account_manager.username)
    page.goto(f"{live_server.url}/companies/import/")
    page.get_by_label("CSV or XLSX file").set_input_files(str(upload))
    page.get_by_role("button", name="Upload").click()
    page.get_by_role("button", name="Check the rows").click()
    expect(page.locator("#import-counts")).to_contain_text("1 to update")

    Company.objects.filter(pk=acme.pk).update(employee_count=120)  # someone else, meanwhile
    page.get_by_role("button", name="Apply: 1 created, 1 updated").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Nothing was imported: since the check, the companies or contacts of acme.com changed"
    )
    page.screenshot(path="/tmp/import/import-moved.png", full_page=True)
    assert not Company.objects.filter(domain="globex.com").exists()

    page.get_by_role("button", name="Check the rows").click()
    expect(page.locator("#import-results tbody tr").nth(1)).to_contain_text("headcount: 120 → 150")
    page.get_by_role("button", name="Apply: 1 created, 1 updated").click()
    expect(page.get_by_role("status")).to_contain_text("Imported: 1 created, 1 updated")
    assert Company.objects.get(pk=acme.pk).employee_count == 150

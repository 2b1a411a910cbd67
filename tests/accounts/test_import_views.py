import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts import imports
from accounts.models import ImportJob


def upload(client, content: bytes, name="companies.csv"):
    return client.post(reverse("import_upload"), {"file": SimpleUploadedFile(name, content)})


def rows(count: int) -> bytes:
    lines = ["Company,Domain,Headcount"] + [f"C{i},c{i}.example,{i % 3 - 1}" for i in range(count)]
    return ("\n".join(lines) + "\n").encode()


def test_an_upload_becomes_an_import_with_its_columns_guessed(client, account_manager):
    client.force_login(account_manager)
    response = upload(client, rows(2))
    job = ImportJob.objects.get()
    assert response.url == reverse("import_detail", args=[job.pk])
    assert job.mapping == {"name": 0, "domain": 1, "employee_count": 2}
    page = client.get(response.url)
    assert b"Check the rows" in page.content


def test_a_file_over_the_limit_is_refused_next_to_the_field(client, account_manager, settings):
    settings.IMPORT_MAX_BYTES = 50
    client.force_login(account_manager)
    response = upload(client, rows(10))
    assert response.status_code == 200
    assert "the limit is 0.0 MB" in response.context["form"].errors["file"][0]
    assert not ImportJob.objects.exists()


def test_a_file_in_another_encoding_is_refused_with_what_to_do(client, account_manager):
    client.force_login(account_manager)
    response = upload(client, "Company,Domain\nCafé,cafe.fr\n".encode("latin-1"))
    assert "save it as “CSV UTF-8”" in response.context["form"].errors["file"][0]


def test_support_may_not_import(client, support):
    client.force_login(support)
    assert client.get(reverse("import_upload")).status_code == 403


def checked(actor, content: bytes, capture) -> ImportJob:
    job = imports.start_import(actor=actor, name="c.csv", content=content)
    with capture(execute=True):  # the check is queued on commit
        imports.map_columns(job=job, mapping=job.mapping)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED
    return job


@pytest.fixture
def job(account_manager, django_capture_on_commit_callbacks):
    return checked(account_manager, rows(3), django_capture_on_commit_callbacks)


@pytest.mark.parametrize("name", ["import_detail", "import_progress", "import_refused_report"])
def test_an_import_is_its_uploaders_alone(client, job, other_account_manager, admin, name):
    for user in (other_account_manager, admin):
        client.force_login(user)
        assert client.get(reverse(name, args=[job.pk])).status_code == 404


def test_another_account_manager_cannot_apply_an_import(client, job, other_account_manager):
    client.force_login(other_account_manager)
    assert client.post(reverse("import_apply", args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED


def test_the_progress_polls_while_running_and_reloads_when_done(client, job, account_manager):
    client.force_login(account_manager)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.CHECKING, rows_done=1)
    running = client.get(reverse("import_progress", args=[job.pk]))
    assert b'hx-trigger="every 1s"' in running.content and b"33%" in running.content
    assert "HX-Refresh" not in running
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.CHECKED)
    assert client.get(reverse("import_progress", args=[job.pk]))["HX-Refresh"] == "true"


def test_the_results_page_reads_a_constant_number_of_queries(
    client, account_manager, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    client.force_login(account_manager)
    for count in (3, 300):
        job = checked(account_manager, rows(count), django_capture_on_commit_callbacks)
        with django_assert_max_num_queries(8):
            response = client.get(reverse("import_detail", args=[job.pk]))
        assert response.status_code == 200


def test_the_refused_rows_download_as_csv(client, job, account_manager):
    client.force_login(account_manager)
    response = client.get(reverse("import_refused_report", args=[job.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="c-refused.csv"'
    assert response.content.decode().splitlines()[1].startswith("2,C0,c0.example,'-1,")

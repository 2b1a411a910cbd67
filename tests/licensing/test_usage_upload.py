"""The CSV upload of seat usage, for administrators: the feed's checks, lines named."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from licensing.models import UsageRecord

HEADER = "license,company,product,date,assigned_seats,active_users_30d,active_users_7d\n"


def upload(client, text: str, encoding="utf-8"):
    file = SimpleUploadedFile("usage.csv", text.encode(encoding), content_type="text/csv")
    return client.post(reverse("usage_upload"), {"file": file}, follow=True)


def test_an_administrator_uploads_a_file_of_usage(client, admin, license, company, product):
    client.force_login(admin)
    today = timezone.localdate()
    text = HEADER + (
        f"{license.pk},,,{today - timedelta(days=2)},40,30,20\n"
        f",{company.pk},{product.code},{today - timedelta(days=1)},41,31,\n"
    )

    response = upload(client, "\ufeff" + text)  # Excel's byte order mark is welcome

    assert "Usage stored: 2 new, 0 replaced, 0 unchanged." in response.content.decode()
    stored = UsageRecord.objects.filter(license=license).order_by("day")
    assert list(stored.values_list("assigned_seats", "active_users_7d")) == [(40, 20), (41, None)]
    assert "Usage stored: 0 new, 0 replaced, 2 unchanged." in upload(client, text).content.decode()


def test_a_bad_line_refuses_the_file_and_names_its_line(client, admin, license):
    client.force_login(admin)
    day = (timezone.localdate() - timedelta(days=1)).isoformat()
    text = HEADER + f"{license.pk},,,{day},40,30,\n{license.pk},,,{day}x,40,50,\n"

    page = upload(client, text).content.decode()

    assert "Nothing was stored" in page
    assert "Line 3: date must be a date written YYYY-MM-DD." in page
    assert not UsageRecord.objects.exists()


def test_a_file_without_the_columns_or_not_in_utf8_is_refused(client, admin):
    client.force_login(admin)

    assert "The header row lacks" in upload(client, "a,b\n1,2\n").content.decode()
    assert "UTF-8" in upload(client, "date,é\n", encoding="utf-16").content.decode()


@pytest.mark.parametrize("role", ["account_manager", "finance", "support"])
def test_only_administrators_may_upload(client, role, request):
    client.force_login(request.getfixturevalue(role))

    assert client.get(reverse("usage_upload")).status_code == 403

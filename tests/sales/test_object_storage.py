"""Stored PDFs in an S3-compatible bucket (django-storages), as several machines need them:
against moto's S3 server on loopback, so the real S3 code path runs, nothing leaves the box."""

import hashlib

import pytest

from sales.pdf import open_pdf
from tests.sales.factories import make_quote, send_and_work

pytestmark = pytest.mark.django_db

moto_server = pytest.importorskip("moto.server")
boto3 = pytest.importorskip("boto3")

BUCKET = "seatdesk-media-test"


@pytest.fixture
def s3_bucket(settings, free_tcp_port, monkeypatch):
    server = moto_server.ThreadedMotoServer(
        ip_address="127.0.0.1", port=free_tcp_port, verbose=False
    )
    server.start()
    endpoint = f"http://127.0.0.1:{free_tcp_port}"
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    settings.AWS_STORAGE_BUCKET_NAME = BUCKET
    settings.AWS_S3_ENDPOINT_URL = endpoint
    settings.AWS_S3_REGION_NAME = "us-east-1"
    settings.AWS_ACCESS_KEY_ID = "testing"
    settings.AWS_SECRET_ACCESS_KEY = "testing"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage"},
    }
    yield client
    server.stop()


def test_a_sent_quotes_pdf_is_stored_in_the_bucket_and_read_back_byte_for_byte(
    s3_bucket, company, product
):
    quote = send_and_work(quote=make_quote(company=company, product=product))

    listed = s3_bucket.list_objects_v2(Bucket=BUCKET)["Contents"]
    assert [item["Key"] for item in listed] == [f"media/{quote.pdf.name}"]
    with open_pdf(quote) as stored:
        data = stored.read()
    assert hashlib.sha256(data).hexdigest() == quote.pdf_sha256


def test_the_bucket_is_private_and_links_are_signed(s3_bucket, company, product):
    quote = send_and_work(quote=make_quote(company=company, product=product))
    assert "Signature=" in quote.pdf.url or "X-Amz-Signature=" in quote.pdf.url

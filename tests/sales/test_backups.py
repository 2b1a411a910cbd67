"""Backups on PostgreSQL: `backup` then `restore_check` into a fresh database."""

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from sales import services
from tests.sales.factories import make_quote

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sent_quotes(postgresql, company, product):
    """Two sent quotes with their stored PDFs and a draft, committed (pg_dump must see them)."""
    for seats in (12, 40):
        services.send_quote(
            quote=make_quote(company=company, product=product, seats=seats), actor=company.owner
        )
    make_quote(company=company, product=product, seats=7)


def _backup(tmp_path) -> str:
    call_command("backup", into=str(tmp_path / "backups"))
    (folder,) = (tmp_path / "backups").iterdir()
    return str(folder / "seatdesk.dump")


def test_a_backup_restores_with_every_row_count_total_and_pdf_equal_to_the_source(
    sent_quotes, tmp_path, capsys
):
    dump = _backup(tmp_path)
    manifest = json.loads((Path(dump).parent / "manifest.json").read_text())

    call_command("restore_check", dump, database="test_seatdesk_restore_ok")

    out = capsys.readouterr().out
    assert "Restore check passed" in out
    assert manifest["tables"]["sales_quote"] == 3
    assert len(manifest["pdfs"]) == 2
    assert manifest["tables"]["accounts_historicalcompany"] >= 1


def test_a_backup_whose_pdf_was_altered_fails_the_restore_check_naming_the_quote(
    sent_quotes, tmp_path, capsys
):
    dump = _backup(tmp_path)
    (pdf,) = list((tmp_path / "backups").glob("*/media/quotes/*/*.pdf"))[:1]
    pdf.write_bytes(pdf.read_bytes() + b"%tampered")

    with pytest.raises(CommandError, match="Restore check FAILED"):
        call_command("restore_check", dump, database="test_seatdesk_restore_bad")

    assert "SHA-256" in capsys.readouterr().err


def test_a_restore_check_refuses_a_file_without_a_manifest(postgresql, tmp_path):
    dump = tmp_path / "seatdesk.dump"
    dump.write_bytes(b"not a dump")

    with pytest.raises(CommandError, match="no such dump with a manifest.json"):
        call_command("restore_check", str(dump))

"""Each company's search document (Company.search_document), filled for every company in
one UPDATE (with the company's other trigram indexes taking the new rows in one pass, as a
bulk write does), then its trigram index built over the filled column (PostgreSQL only)."""

from django.db import migrations, models

from accounts.bulk import gin_indexes_filled_in_bulk
from accounts.models.companies import search_document
from config.trigram import AddTrigramIndex


def fill_search_documents(apps, schema_editor):
    company = apps.get_model("accounts", "Company")
    contacts = apps.get_model("accounts", "Contact").objects
    with gin_indexes_filled_in_bulk(company):
        company.objects.update(search_document=search_document(contacts))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0013_import_writes")]

    operations = [
        migrations.AddField(
            model_name="company",
            name="search_document",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill_search_documents, migrations.RunPython.noop, elidable=True),
        AddTrigramIndex("accounts_company", "search_document", case_blind=False),
    ]

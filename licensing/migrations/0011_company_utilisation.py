from datetime import timedelta

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Min, Q
from django.utils import timezone

FRESH_DAYS = 7


def fill(apps, schema_editor):
    """Each company's lowest utilisation today, as licensing.services.usage stores it from
    now on: the least active share among its licenses in force with a report of the last
    FRESH_DAYS days (the definition as this migration was written)."""
    License = apps.get_model("licensing", "License")
    CompanyUtilisation = apps.get_model("licensing", "CompanyUtilisation")
    today = timezone.localdate()
    lowest = (
        License.objects.filter(
            Q(status="active") | Q(status="renewed", ends_on__gte=today),
            starts_on__lte=today,
            usage_summary__day__gt=today - timedelta(days=FRESH_DAYS),
        )
        .order_by()
        .values("company")
        .annotate(lowest=Min("usage_summary__active_share"))
        .values_list("company", "lowest")
    )
    CompanyUtilisation.objects.bulk_create(
        [
            CompanyUtilisation(company_id=company, lowest_utilisation=share)
            for company, share in lowest
        ],
        batch_size=5_000,
    )


def add_highest_index(apps, schema_editor):
    """The sort by highest utilisation, nulls last (PostgreSQL only: SQLite cannot say
    NULLS LAST in an index, and its lists are small)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX company_utilisation_highest ON licensing_companyutilisation "
            "(lowest_utilisation DESC NULLS LAST, company_id)"
        )


def drop_highest_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX company_utilisation_highest")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0015_outbox_failed_index"),
        ("licensing", "0010_usage_records_indexed_once"),
    ]

    operations = [
        migrations.CreateModel(
            name="CompanyUtilisation",
            fields=[
                (
                    "company",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="stored_utilisation",
                        serialize=False,
                        to="accounts.company",
                    ),
                ),
                ("lowest_utilisation", models.FloatField(blank=True, null=True)),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["lowest_utilisation", "company"],
                        name="company_utilisation_lowest",
                    )
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(add_highest_index, drop_highest_index),
    ]

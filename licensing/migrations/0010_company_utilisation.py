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


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0015_outbox_failed_index"),
        ("licensing", "0009_usage_summary_utilisation"),
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
                        models.OrderBy(models.F("lowest_utilisation"), nulls_last=True),
                        models.F("company"),
                        name="company_utilisation_lowest",
                    ),
                    models.Index(
                        models.OrderBy(
                            models.F("lowest_utilisation"), descending=True, nulls_last=True
                        ),
                        models.F("company"),
                        name="company_utilisation_highest",
                    ),
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]

from django.db import migrations, models

# Summaries written before: their license's seats now, and the utilisation from them (the
# same SQL on SQLite and PostgreSQL).
FILL = """
UPDATE licensing_usagesummary
SET licensed_seats = (SELECT seats FROM licensing_license WHERE id = license_id),
    active_share = CAST(active_users_30d AS DOUBLE PRECISION)
                   / (SELECT seats FROM licensing_license WHERE id = license_id)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("licensing", "0008_trial_list_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="usagesummary",
            name="licensed_seats",
            field=models.PositiveIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name="usagesummary",
            index=models.Index(fields=["active_share", "day"], name="usage_summary_share"),
        ),
        migrations.AddIndex(
            model_name="usagesummary",
            index=models.Index(
                condition=models.Q(("assigned_seats__gt", models.F("licensed_seats"))),
                fields=["day"],
                name="usage_summary_over_deployed",
            ),
        ),
    ]

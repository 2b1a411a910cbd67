from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("licensing", "0007_usage_summaries")]

    operations = [
        # The trial list and changelist read trials in (ends_on, id) order: from this index.
        migrations.AddIndex(
            model_name="trial",
            index=models.Index(fields=["ends_on", "id"], name="trial_ends_on_id"),
        ),
    ]

from django.db import migrations

from config.trigram import DisableTrigramPendingList


class Migration(migrations.Migration):
    dependencies = [("sales", "0009_online_acceptance")]

    operations = [DisableTrigramPendingList("sales_quote", "number")]

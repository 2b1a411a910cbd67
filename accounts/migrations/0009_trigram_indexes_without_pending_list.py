from django.db import migrations

from config.trigram import DisableTrigramPendingList


class Migration(migrations.Migration):
    dependencies = [("accounts", "0008_usage_feed_role_and_token_scope")]

    operations = [
        DisableTrigramPendingList("accounts_company", "name"),
        DisableTrigramPendingList("accounts_company", "domain"),
        DisableTrigramPendingList("accounts_contact", "first_name"),
        DisableTrigramPendingList("accounts_contact", "last_name"),
        DisableTrigramPendingList("accounts_contact", "email"),
    ]

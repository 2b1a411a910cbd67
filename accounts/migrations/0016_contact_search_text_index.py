"""One trigram index on the text a contact's search reads (its names and email, lower-cased:
accounts.models.companies.contact_search_text), instead of an OR over three column indexes
whose bitmaps are merged and whose three columns are rechecked row by row; those three, which
no search reads any more, are dropped: each contact written updated them (PostgreSQL only)."""

from django.db import migrations

from accounts.models.companies import contact_search_text
from config.trigram import AddTrigramExpressionIndex, RemoveTrigramIndex


class Migration(migrations.Migration):
    dependencies = [("accounts", "0015_outbox_failed_index")]

    operations = [
        AddTrigramExpressionIndex(
            "contact", "accounts_contact_search_text_trgm", contact_search_text()
        ),
        RemoveTrigramIndex("accounts_contact", "first_name"),
        RemoveTrigramIndex("accounts_contact", "last_name"),
        RemoveTrigramIndex("accounts_contact", "email"),
    ]

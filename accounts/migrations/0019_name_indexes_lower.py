"""The header search's orders (CompanyQuerySet.by_name, ContactQuerySet.by_name) as b-tree
indexes on the lower-cased names: the names that start with the searched text are read from
them in order, 20 rows whatever the book's size (sales/views/search.py). Plain indexes: SQLite
builds them too."""

import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0018_company_owner_id_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="company",
            index=models.Index(
                django.db.models.functions.text.Lower("name"),
                models.F("id"),
                name="company_name_lower",
            ),
        ),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(
                django.db.models.functions.text.Lower("last_name"),
                django.db.models.functions.text.Lower("first_name"),
                models.F("id"),
                name="contact_name_lower",
            ),
        ),
    ]

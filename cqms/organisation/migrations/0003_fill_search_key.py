"""Search keys of the users created before keys existed (pinyin and initials)."""

from django.db import migrations

BATCH = 1000


def names(user) -> list[str]:
    """As User.derived_columns: the full name (family name first for Chinese names)."""
    first, last = user.first_name, user.last_name
    if last and first and not first.isascii():
        return [f"{last}{first}"]
    return [f"{first} {last}".strip(), f"{last}{first}"]


def fill(apps, schema_editor):
    from cqms.core.search import search_key

    User = apps.get_model("organisation", "User")
    rows = User.objects.filter(search_key="").only("pk", "first_name", "last_name")
    batch = []
    for user in rows.iterator(chunk_size=BATCH):
        user.search_key = search_key(*names(user))
        batch.append(user)
        if len(batch) == BATCH:
            User.objects.bulk_update(batch, ["search_key"])
            batch = []
    User.objects.bulk_update(batch, ["search_key"])


class Migration(migrations.Migration):
    dependencies = [("organisation", "0002_search_key")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]

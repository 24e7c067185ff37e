"""Search keys of the customers registered before keys existed (pinyin and initials)."""

from django.db import migrations

BATCH = 1000


def fill(apps, schema_editor):
    from cqms.core.search import search_key

    Customer = apps.get_model("customers", "Customer")
    rows = Customer.objects.filter(search_key="").only("pk", "name", "short_name")
    batch = []
    for customer in rows.iterator(chunk_size=BATCH):
        customer.search_key = search_key(customer.name, customer.short_name)
        batch.append(customer)
        if len(batch) == BATCH:
            Customer.objects.bulk_update(batch, ["search_key"])
            batch = []
    Customer.objects.bulk_update(batch, ["search_key"])


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_search_key")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]

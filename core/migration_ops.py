"""Operations shared by migrations of several apps."""

from django.db import migrations


def relabel_content_types(old_app: str, new_app: str, models: list[str]):
    """A RunPython that moves the content types of `models` from `old_app` to `new_app`, so that
    permissions and admin history follow a model that moved between apps (issue 11's split).
    A database created after the split has no old rows: then it does nothing."""

    def forward(apps, schema_editor):
        content_type = apps.get_model("contenttypes", "ContentType")
        for model in models:
            if content_type.objects.filter(app_label=new_app, model=model).exists():
                continue
            content_type.objects.filter(app_label=old_app, model=model).update(app_label=new_app)

    def backward(apps, schema_editor):
        content_type = apps.get_model("contenttypes", "ContentType")
        for model in models:
            if content_type.objects.filter(app_label=old_app, model=model).exists():
                continue
            content_type.objects.filter(app_label=new_app, model=model).update(app_label=old_app)

    return migrations.RunPython(forward, backward)


def encrypt_columns(app_label: str, model_name: str, columns: list[str], hashed: dict[str, str]):
    """A RunPython that encrypts `columns` of every row (core/crypto.py) and fills the keyed
    hashes `hashed` ({hash field: source column}) from the clear values, in batches of 2,000
    (docs/personal-data.md). It runs while the columns are still plain text fields, between the
    widening AlterField and the one that makes them encrypted; values already encrypted are
    left alone, so a second run writes nothing. The reverse decrypts."""

    def _rows(apps):
        model = apps.get_model(app_label, model_name)
        return model, model._base_manager.order_by("pk")

    def forward(apps, schema_editor):
        from core.crypto import blind_index, encrypt, is_token

        model, rows = _rows(apps)
        last = 0
        while True:
            batch = list(rows.filter(pk__gt=last).only("pk", *columns)[:2000])
            if not batch:
                return
            changed = []
            for row in batch:
                values = {column: getattr(row, column) or "" for column in columns}
                if any(is_token(value) for value in values.values()):
                    continue
                for column, value in values.items():
                    setattr(row, column, encrypt(value))
                for hash_field, source in hashed.items():
                    setattr(row, hash_field, blind_index(values[source]))
                changed.append(row)
            if changed:
                model._base_manager.bulk_update(changed, [*columns, *hashed], batch_size=500)
            last = batch[-1].pk

    def backward(apps, schema_editor):
        from core.crypto import decrypt, is_token

        model, rows = _rows(apps)
        last = 0
        while True:
            batch = list(rows.filter(pk__gt=last).only("pk", *columns)[:2000])
            if not batch:
                return
            for row in batch:
                for column in columns:
                    value = getattr(row, column) or ""
                    setattr(row, column, decrypt(value) if is_token(value) else value)
            model._base_manager.bulk_update(batch, columns, batch_size=500)
            last = batch[-1].pk

    return migrations.RunPython(forward, backward, elidable=False)


class DropForeignKeyConstraint(migrations.AlterField):
    """AlterField to a foreign key with `db_constraint=False`, because the table it points to
    is partitioned on PostgreSQL (core/partitions.py, docs/partitions.md). Reversing it on
    PostgreSQL leaves the database without the constraint (the table it names may still be
    partitioned, and no foreign key can name its id alone); elsewhere it restores it."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return
        super().database_backwards(app_label, schema_editor, from_state, to_state)

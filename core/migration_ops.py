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

"""Wagtail's migrations name the moderation workflow and its task "Moderators approval", which
editors read in a French admin: call them "Approbation de la coordination" and "Approbation".
`manage.py setup_staff_groups` then gives the task its reviewers (home/permissions.py)."""

from django.db import migrations

OLD = "Moderators approval"
WORKFLOW = "Approbation de la coordination"
TASK = "Approbation"


def rename(apps, schema_editor):
    apps.get_model("wagtailcore", "Workflow").objects.filter(name=OLD).update(name=WORKFLOW)
    apps.get_model("wagtailcore", "Task").objects.filter(name=OLD).update(name=TASK)


def rename_back(apps, schema_editor):
    apps.get_model("wagtailcore", "Workflow").objects.filter(name=WORKFLOW).update(name=OLD)
    apps.get_model("wagtailcore", "Task").objects.filter(name=TASK).update(name=OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("home", "0005_news_page_blocks"),
        ("wagtailcore", "0048_add_default_workflows"),
    ]

    operations = [migrations.RunPython(rename, rename_back)]

"""Link every project to a registry enterprise: the one of its investor's name, else a new prospective investor.

Before issue 4 a project kept only `investor_name` when its investor was not (uniquely) in the registry. Now
investors are always registry enterprises; a name the registry lacks becomes a prospect (status "prospect",
no credit code, no subdistrict), as enterprises.services.find_or_create_investor does for new projects.
"""

from django.db import migrations
from django.db.models import Case, IntegerField, Value, When


def link_investors(apps, schema_editor):
    Enterprise = apps.get_model("enterprises", "Enterprise")
    Project = apps.get_model("investment", "Project")
    rank = Case(
        When(status="active", then=Value(0)),
        When(status="closed", then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    for project in Project.objects.filter(investor__isnull=True).order_by("pk"):
        name = " ".join((project.investor_name or "").split())
        if not name:
            continue
        enterprise = Enterprise.objects.filter(name=name).order_by(rank, "pk").first()
        if enterprise is None:
            enterprise = Enterprise.objects.create(
                name=name,
                uscc=None,
                status="prospect",
                is_foreign_funded=project.is_foreign,
                created_by_id=project.created_by_id,
            )
        project.investor = enterprise
        project.save(update_fields=["investor"])


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0002_prospect_investors"),
        ("investment", "0005_project_unique_investor_name"),
    ]

    operations = [migrations.RunPython(link_investors, migrations.RunPython.noop)]

"""Segregation of duties on commentary, the Director's sign-off, and the record of role grants.

- input.commentary gains signed_off_by / signed_off_at and the status `signed_off`; CHECK
  constraints refuse a confirmer who is the author, and a signer who is the author or the
  confirmer, whatever writes the row.
- Commentary confirmed by its own author before this migration goes back to `submitted`, so a
  different manager confirms it (the constraint could not be added otherwise).
- audit.role_grants records every grant and removal of a role; rows can't be changed or deleted.
"""

import django.db.models.functions.datetime
from django.db import migrations, models

STATUSES = [
    ("draft", "Draft"),
    ("submitted", "Submitted"),
    ("returned", "Returned"),
    ("confirmed", "Confirmed"),
    ("signed_off", "Signed off"),
]

SELF_CONFIRMED_BACK_TO_SUBMITTED = """
update input.commentary
set status = 'submitted', confirmed_by = null, confirmed_at = null
where confirmed_by = author
"""

APPEND_ONLY = """
create or replace function audit.role_grants_append_only() returns trigger
language plpgsql as $$
begin
    raise exception 'audit.role_grants is append-only: % refused', tg_op;
end
$$;
create trigger role_grants_append_only before update or delete on audit.role_grants
for each row execute function audit.role_grants_append_only();
"""
APPEND_ONLY_REVERSE = """
drop trigger if exists role_grants_append_only on audit.role_grants;
drop function if exists audit.role_grants_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("officer", "0003_freshnessoverride_qualitywaiver"),
    ]

    operations = [
        migrations.RunSQL("create schema if not exists audit", reverse_sql=migrations.RunSQL.noop),
        migrations.CreateModel(
            name="RoleGrant",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "granted_at",
                    models.DateTimeField(db_default=django.db.models.functions.datetime.Now()),
                ),
                (
                    "action",
                    models.TextField(choices=[("grant", "Granted"), ("revoke", "Removed")]),
                ),
                ("role", models.TextField()),
                ("scope", models.TextField(blank=True, default="")),
                ("grantee", models.TextField()),
                ("granted_by", models.TextField()),
                ("means", models.TextField()),
            ],
            options={
                "db_table": 'audit"."role_grants',
                "ordering": ["-granted_at", "-id"],
            },
        ),
        migrations.RunSQL(APPEND_ONLY, reverse_sql=APPEND_ONLY_REVERSE),
        migrations.AddField(
            model_name="commentary",
            name="signed_off_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="commentary",
            name="signed_off_by",
            field=models.TextField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="historicalcommentary",
            name="signed_off_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="historicalcommentary",
            name="signed_off_by",
            field=models.TextField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="commentary",
            name="status",
            field=models.TextField(choices=STATUSES, default="draft"),
        ),
        migrations.AlterField(
            model_name="historicalcommentary",
            name="status",
            field=models.TextField(choices=STATUSES, default="draft"),
        ),
        migrations.RunSQL(SELF_CONFIRMED_BACK_TO_SUBMITTED, reverse_sql=migrations.RunSQL.noop),
        migrations.AddConstraint(
            model_name="commentary",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("confirmed_by__isnull", True),
                    models.Q(("confirmed_by", models.F("author")), _negated=True),
                    _connector="OR",
                ),
                name="commentary_confirmer_is_not_author",
            ),
        ),
        migrations.AddConstraint(
            model_name="commentary",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("signed_off_by__isnull", True),
                    models.Q(
                        ("confirmed_by__isnull", False),
                        models.Q(("signed_off_by", models.F("author")), _negated=True),
                        models.Q(("signed_off_by", models.F("confirmed_by")), _negated=True),
                    ),
                    _connector="OR",
                ),
                name="commentary_signer_is_neither_author_nor_confirmer",
            ),
        ),
        migrations.AddConstraint(
            model_name="commentary",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "signed_off"), _negated=True),
                    ("signed_off_by__isnull", False),
                    _connector="OR",
                ),
                name="commentary_signed_off_names_the_signer",
            ),
        ),
    ]

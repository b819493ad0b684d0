"""Tallies of sign-ons for the editors' dashboard (docs/dashboard.md), filled from the
signatures already there; reversing drops them (the tables go with the schema step)."""

import django.db.models.deletion
from django.db import migrations, models


def backfill(apps, schema_editor):
    # The recount reads only columns that 0005 has; the pure helpers (hours, days, country
    # keys) are the ones the running site uses, so the backfill and the kept tallies agree.
    from signatures.tallies import rebuild

    rebuild(tally_model=apps.get_model("signatures", "SignOnTally"),
            country_model=apps.get_model("signatures", "CountryTally"),
            signatures=apps.get_model("signatures", "Signature"))


def forget(apps, schema_editor):
    for name in ("SignOnTally", "CountryTally"):
        apps.get_model("signatures", name).objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ('signatures', '0005_news_consent'),
        ('statements', '0006_delivery_settings'),
    ]

    operations = [
        migrations.CreateModel(
            name='CountryTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('country', models.CharField(blank=True, max_length=100)),
                ('confirmed', models.IntegerField(default=0)),
                ('statement', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='statements.statement')),
            ],
            options={
                'verbose_name': 'country tally',
                'verbose_name_plural': 'country tallies',
                'constraints': [models.UniqueConstraint(fields=('statement', 'country'), name='country_tally_key')],
            },
        ),
        migrations.CreateModel(
            name='SignOnTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('hour', models.DateTimeField()),
                ('day', models.DateField()),
                ('kind', models.CharField(choices=[('individual', 'Individual'), ('organisation', 'On behalf of an organisation')], max_length=12)),
                ('language', models.CharField(max_length=12)),
                ('received', models.IntegerField(default=0)),
                ('confirmed', models.IntegerField(default=0)),
                ('visible', models.IntegerField(default=0)),
                ('statement', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='statements.statement')),
            ],
            options={
                'verbose_name': 'sign-on tally',
                'verbose_name_plural': 'sign-on tallies',
                'constraints': [models.UniqueConstraint(fields=('statement', 'hour', 'kind', 'language'), name='signon_tally_key')],
            },
        ),
        migrations.RunPython(backfill, forget),
    ]

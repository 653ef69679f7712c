# Step 2 of 3: a ticked box becomes "yes"; an unticked box becomes not asked
# (""), never "no": nobody can tell today whether it was asked. The history
# rows are mapped the same way, so the audit trail shows no change that was
# never made.

from django.db import migrations

QUESTIONS = [
    'sclerosant_allergy',
    'acute_thrombosis',
    'immobility',
    'known_pfo',
    'pregnant_or_breastfeeding',
    'previous_dvt_pe',
    'thrombophilia',
    'anticoagulants',
    'migraine_with_aura',
]
MODELS = ['Patient', 'HistoricalPatient']


def ticks_to_answers(apps, schema_editor):
    for name in MODELS:
        model = apps.get_model('patients', name)
        for question in QUESTIONS:
            model.objects.filter(**{question: True}).update(
                **{f'{question}_answer': 'yes'}
            )
            model.objects.exclude(**{question: True}).update(
                **{f'{question}_answer': ''}
            )


def answers_to_ticks(apps, schema_editor):
    # Back to tick boxes: only "yes" was ever a tick; "no" and not asked
    # both become an unticked box.
    for name in MODELS:
        model = apps.get_model('patients', name)
        for question in QUESTIONS:
            model.objects.filter(**{f'{question}_answer': 'yes'}).update(
                **{question: True}
            )
            model.objects.exclude(**{f'{question}_answer': 'yes'}).update(
                **{question: False}
            )


class Migration(migrations.Migration):

    dependencies = [
        ('patients', '0005_screening_answer_columns'),
    ]

    operations = [
        migrations.RunPython(ticks_to_answers, answers_to_ticks),
    ]

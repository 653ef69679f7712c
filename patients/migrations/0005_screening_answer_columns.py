# Step 1 of 3: a yes / no / not-asked column next to each tick box.
# Step 2 (0006) copies the ticks over, step 3 (0007) drops the tick boxes,
# gives the answers their names and adds the new questions.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('patients', '0004_merge_permission'),
    ]

    operations = [
        migrations.AddField(
            model_name='patient',
            name='sclerosant_allergy_answer',
            field=models.CharField(blank=True, choices=[('yes', 'yes'), ('no', 'no'), ('', 'not asked')], default='', max_length=3, verbose_name='known allergy to a sclerosant'),
        ),
        migrations.AddField(
            model_name='patient',
            name='acute_thrombosis_answer',
            field=models.CharField(blank=True, choices=[('yes', 'yes'), ('no', 'no'), ('', 'not asked')], default='', max_length=3, verbose_name='acute deep-vein thrombosis or pulmonary embolism'),
        ),
        migrations.AddField(
            model_name='patient',
            name='immobility_answer',
            field=models.CharField(blank=True, choices=[('yes', 'yes'), ('no', 'no'), ('', 'not asked')], default='', max_length=3, verbose_name='long-lasting immobility or confinement to bed'),
        ),
        migrations.AddField(
            model_name='patient',
            name='known_pfo_answer',
            field=models.CharField(blank=True, choices=[('yes', 'yes'), ('no', 'no'), ('', 'not asked')], default='', max_length=3, verbose_name='known symptomatic right-to-left shunt (e.g. PFO)'),
        ),
        migrations.AddField(
            model_name='patient',
            name='pregnant_or_breastfeeding_answer',
            field=models.CharField(blank=True, choices=[('yes', 'yes'), ('no', 'no'), ('', 'not asked')], default='', max_length=3, verbose_name='pregnant or breastfeeding'),
        ),
        migrations.AddField(
            model_name='patient',
            name='previous_dvt_pe_answer',
            field=models.CharField(blank=True, choices=[('yes', 'yes'), ('no', 'no'), ('', 'not asked')], default='', max_length=3, verbose_name='previous DVT or PE'),
        ),
        migrations.AddField(
            model_name='patient',
            name='thrombophilia_answer',
            field=models.CharField(blank=True, choices=[('yes', 'yes'), ('no', 'no'), ('', 'not asked')], default='', max_length=3, verbose_name='thrombophilia'),
        ),
        migrations.AddField(
            model_name='patient',
            name='anticoagulants_answer',
            field=models.CharField(blank=True, choices=[('yes', 'yes'), ('no', 'no'), ('', 'not asked')], default='', max_length=3, verbose_name='on anticoagulants'),
        ),
        migrations.AddField(
            model_name='patient',
            name='migraine_with_aura_answer',
            field=models.CharField(blank=True, choices=[('yes', 'yes'), ('no', 'no'), ('', 'not asked')], default='', max_length=3, verbose_name='migraine with aura'),
        ),
        migrations.AddField(
            model_name='historicalpatient',
            name='sclerosant_allergy_answer',
            field=models.CharField(blank=True, choices=[('yes', 'yes'), ('no', 'no'), ('', 'not asked')], default='', max_length=3, verbose_name='known allergy to a sclerosant'),
        ),
        migrations.AddField(
            model_name='historicalpatient',
            name='acute_thrombosis_answer',
            field=models.CharField(blank=True, choices=[('yes', 'yes'), ('no', 'no'), ('', 'not asked')], default='', max_length=3, verbose_name='acute deep-vein thrombosis or pulmonary embolism'),
        ),
        migrations.AddField(
            model_name='historicalpatient',
            name='immobility_answer',
            field=models.CharField(blank=True, choices=[('yes', 'yes'), ('no', 'no'), ('', 'not asked')], default='', max_length=3, verbose_name='long-lasting immobility or confinement to bed'),
        ),
        migrations.AddField(
            model_name='historicalpatient',
            name='known_pfo_answer',
            field=models.CharField(blank=True, choices=[('yes', 'yes'), ('no', 'no'), ('', 'not asked')], default='', max_length=3, verbose_name='known symptomatic right-to-left shunt (e.g. PFO)'),
        ),
        migrations.AddField(
            model_name='historicalpatient',
            name='pregnant_or_breastfeeding_answer',
            field=models.CharField(blank=True, choices=[('yes', 'yes'), ('no', 'no'), ('', 'not asked')], default='', max_length=3, verbose_name='pregnant or breastfeeding'),
        ),
        migrations.AddField(
            model_name='historicalpatient',
            name='previous_dvt_pe_answer',
            field=models.CharField(blank=True, choices=[('yes', 'yes'), ('no', 'no'), ('', 'not asked')], default='', max_length=3, verbose_name='previous DVT or PE'),
        ),
        migrations.AddField(
            model_name='historicalpatient',
            name='thrombophilia_answer',
            field=models.CharField(blank=True, choices=[('yes', 'yes'), ('no', 'no'), ('', 'not asked')], default='', max_length=3, verbose_name='thrombophilia'),
        ),
        migrations.AddField(
            model_name='historicalpatient',
            name='anticoagulants_answer',
            field=models.CharField(blank=True, choices=[('yes', 'yes'), ('no', 'no'), ('', 'not asked')], default='', max_length=3, verbose_name='on anticoagulants'),
        ),
        migrations.AddField(
            model_name='historicalpatient',
            name='migraine_with_aura_answer',
            field=models.CharField(blank=True, choices=[('yes', 'yes'), ('no', 'no'), ('', 'not asked')], default='', max_length=3, verbose_name='migraine with aura'),
        ),
    ]

# Step 3 of 3: the tick boxes go, the answers take their names, and the
# questions the European guideline (Rabe 2014) adds start as not asked.

import django.core.validators
import patients.models
from decimal import Decimal
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('patients', '0006_screening_answers_from_ticks'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='patient',
            name='sclerosant_allergy',
        ),
        migrations.RemoveField(
            model_name='patient',
            name='acute_thrombosis',
        ),
        migrations.RemoveField(
            model_name='patient',
            name='immobility',
        ),
        migrations.RemoveField(
            model_name='patient',
            name='known_pfo',
        ),
        migrations.RemoveField(
            model_name='patient',
            name='pregnant_or_breastfeeding',
        ),
        migrations.RemoveField(
            model_name='patient',
            name='previous_dvt_pe',
        ),
        migrations.RemoveField(
            model_name='patient',
            name='thrombophilia',
        ),
        migrations.RemoveField(
            model_name='patient',
            name='anticoagulants',
        ),
        migrations.RemoveField(
            model_name='patient',
            name='migraine_with_aura',
        ),
        migrations.RemoveField(
            model_name='historicalpatient',
            name='sclerosant_allergy',
        ),
        migrations.RemoveField(
            model_name='historicalpatient',
            name='acute_thrombosis',
        ),
        migrations.RemoveField(
            model_name='historicalpatient',
            name='immobility',
        ),
        migrations.RemoveField(
            model_name='historicalpatient',
            name='known_pfo',
        ),
        migrations.RemoveField(
            model_name='historicalpatient',
            name='pregnant_or_breastfeeding',
        ),
        migrations.RemoveField(
            model_name='historicalpatient',
            name='previous_dvt_pe',
        ),
        migrations.RemoveField(
            model_name='historicalpatient',
            name='thrombophilia',
        ),
        migrations.RemoveField(
            model_name='historicalpatient',
            name='anticoagulants',
        ),
        migrations.RemoveField(
            model_name='historicalpatient',
            name='migraine_with_aura',
        ),
        migrations.RenameField(
            model_name='patient',
            old_name='sclerosant_allergy_answer',
            new_name='sclerosant_allergy',
        ),
        migrations.RenameField(
            model_name='patient',
            old_name='acute_thrombosis_answer',
            new_name='acute_thrombosis',
        ),
        migrations.RenameField(
            model_name='patient',
            old_name='immobility_answer',
            new_name='immobility',
        ),
        migrations.RenameField(
            model_name='patient',
            old_name='known_pfo_answer',
            new_name='known_pfo',
        ),
        migrations.RenameField(
            model_name='patient',
            old_name='pregnant_or_breastfeeding_answer',
            new_name='pregnant_or_breastfeeding',
        ),
        migrations.RenameField(
            model_name='patient',
            old_name='previous_dvt_pe_answer',
            new_name='previous_dvt_pe',
        ),
        migrations.RenameField(
            model_name='patient',
            old_name='thrombophilia_answer',
            new_name='thrombophilia',
        ),
        migrations.RenameField(
            model_name='patient',
            old_name='anticoagulants_answer',
            new_name='anticoagulants',
        ),
        migrations.RenameField(
            model_name='patient',
            old_name='migraine_with_aura_answer',
            new_name='migraine_with_aura',
        ),
        migrations.RenameField(
            model_name='historicalpatient',
            old_name='sclerosant_allergy_answer',
            new_name='sclerosant_allergy',
        ),
        migrations.RenameField(
            model_name='historicalpatient',
            old_name='acute_thrombosis_answer',
            new_name='acute_thrombosis',
        ),
        migrations.RenameField(
            model_name='historicalpatient',
            old_name='immobility_answer',
            new_name='immobility',
        ),
        migrations.RenameField(
            model_name='historicalpatient',
            old_name='known_pfo_answer',
            new_name='known_pfo',
        ),
        migrations.RenameField(
            model_name='historicalpatient',
            old_name='pregnant_or_breastfeeding_answer',
            new_name='pregnant_or_breastfeeding',
        ),
        migrations.RenameField(
            model_name='historicalpatient',
            old_name='previous_dvt_pe_answer',
            new_name='previous_dvt_pe',
        ),
        migrations.RenameField(
            model_name='historicalpatient',
            old_name='thrombophilia_answer',
            new_name='thrombophilia',
        ),
        migrations.RenameField(
            model_name='historicalpatient',
            old_name='anticoagulants_answer',
            new_name='anticoagulants',
        ),
        migrations.RenameField(
            model_name='historicalpatient',
            old_name='migraine_with_aura_answer',
            new_name='migraine_with_aura',
        ),
        migrations.AddField(
            model_name='patient',
            name='infection',
            field=models.CharField(blank=True, choices=[('yes', 'yes'), ('no', 'no'), ('', 'not asked')], default='', max_length=3, verbose_name='local infection in the treatment area or severe systemic infection'),
        ),
        migrations.AddField(
            model_name='patient',
            name='severe_pad',
            field=models.CharField(blank=True, choices=[('yes', 'yes'), ('no', 'no'), ('', 'not asked')], default='', max_length=3, verbose_name='severe peripheral arterial disease'),
        ),
        migrations.AddField(
            model_name='patient',
            name='ankle_brachial_index',
            field=models.DecimalField(blank=True, decimal_places=2, help_text='If known. Below 0.5: no compression; 0.5 to 0.8: reduced compression only.', max_digits=3, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0.2')), django.core.validators.MaxValueValidator(Decimal('1.5'))], verbose_name='ankle-brachial index'),
        ),
        migrations.AddField(
            model_name='patient',
            name='superficial_thrombophlebitis',
            field=models.CharField(blank=True, choices=[('yes', 'yes'), ('no', 'no'), ('', 'not asked')], default='', max_length=3, verbose_name='acute superficial vein thrombosis (thrombophlebitis)'),
        ),
        migrations.AddField(
            model_name='patient',
            name='active_cancer',
            field=models.CharField(blank=True, choices=[('yes', 'yes'), ('no', 'no'), ('', 'not asked')], default='', max_length=3, verbose_name='active cancer'),
        ),
        migrations.AddField(
            model_name='patient',
            name='poor_general_health',
            field=models.CharField(blank=True, choices=[('yes', 'yes'), ('no', 'no'), ('', 'not asked')], default='', max_length=3, verbose_name='poor general health'),
        ),
        migrations.AddField(
            model_name='patient',
            name='allergic_predisposition',
            field=models.CharField(blank=True, choices=[('yes', 'yes'), ('no', 'no'), ('', 'not asked')], default='', max_length=3, verbose_name='strong predisposition to allergy'),
        ),
        migrations.AddField(
            model_name='patient',
            name='screening_asked_on',
            field=models.DateField(blank=True, help_text='Set to today when an answer changes. Set it yourself when you ask again and every answer stays the same.', null=True, validators=[patients.models.validate_not_future], verbose_name='screening questions last asked on'),
        ),
        migrations.AddField(
            model_name='historicalpatient',
            name='infection',
            field=models.CharField(blank=True, choices=[('yes', 'yes'), ('no', 'no'), ('', 'not asked')], default='', max_length=3, verbose_name='local infection in the treatment area or severe systemic infection'),
        ),
        migrations.AddField(
            model_name='historicalpatient',
            name='severe_pad',
            field=models.CharField(blank=True, choices=[('yes', 'yes'), ('no', 'no'), ('', 'not asked')], default='', max_length=3, verbose_name='severe peripheral arterial disease'),
        ),
        migrations.AddField(
            model_name='historicalpatient',
            name='ankle_brachial_index',
            field=models.DecimalField(blank=True, decimal_places=2, help_text='If known. Below 0.5: no compression; 0.5 to 0.8: reduced compression only.', max_digits=3, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0.2')), django.core.validators.MaxValueValidator(Decimal('1.5'))], verbose_name='ankle-brachial index'),
        ),
        migrations.AddField(
            model_name='historicalpatient',
            name='superficial_thrombophlebitis',
            field=models.CharField(blank=True, choices=[('yes', 'yes'), ('no', 'no'), ('', 'not asked')], default='', max_length=3, verbose_name='acute superficial vein thrombosis (thrombophlebitis)'),
        ),
        migrations.AddField(
            model_name='historicalpatient',
            name='active_cancer',
            field=models.CharField(blank=True, choices=[('yes', 'yes'), ('no', 'no'), ('', 'not asked')], default='', max_length=3, verbose_name='active cancer'),
        ),
        migrations.AddField(
            model_name='historicalpatient',
            name='poor_general_health',
            field=models.CharField(blank=True, choices=[('yes', 'yes'), ('no', 'no'), ('', 'not asked')], default='', max_length=3, verbose_name='poor general health'),
        ),
        migrations.AddField(
            model_name='historicalpatient',
            name='allergic_predisposition',
            field=models.CharField(blank=True, choices=[('yes', 'yes'), ('no', 'no'), ('', 'not asked')], default='', max_length=3, verbose_name='strong predisposition to allergy'),
        ),
        migrations.AddField(
            model_name='historicalpatient',
            name='screening_asked_on',
            field=models.DateField(blank=True, help_text='Set to today when an answer changes. Set it yourself when you ask again and every answer stays the same.', null=True, validators=[patients.models.validate_not_future], verbose_name='screening questions last asked on'),
        ),
        migrations.AddConstraint(
            model_name='patient',
            constraint=models.CheckConstraint(condition=models.Q(('ankle_brachial_index__isnull', True), models.Q(('ankle_brachial_index__gte', Decimal('0.2')), ('ankle_brachial_index__lte', Decimal('1.5'))), _connector='OR'), name='patients_patient_abi_range'),
        ),
    ]

"""The first version of each consent text, in English and Italian.

Written from the clinic's own patient information on sclerotherapy (the
Doppler before treatment, how the injection closes the vein, foam for larger
veins, compression afterwards, what the patient will see) and the risks the
guidelines list. The texts are frozen here: later versions are new rows the
manager writes on the consent texts page.
"""

from django.db import migrations

LIQUID_EN = """\
Sclerotherapy treats small varicose veins and dilated capillaries (spider veins) of the legs. A Doppler ultrasound examination of the veins is advised before treatment, so that any vein causing reflux is known and treated first.

How it is done: a fine needle injects a liquid medicine (a sclerosant, usually polidocanol) into the vein. The medicine irritates the vein wall, the vein closes, and over the following weeks the body slowly reabsorbs it. The blood then flows through healthy veins nearby. More than one session is often needed; how many depends on the number and size of the veins and on the result you want.

After treatment: the treated veins do not disappear at once. At first they may look more visible and inflamed, then brownish, then greenish like a bruise, and usually fade within 2 to 3 weeks; larger veins may stay dark for a few months. You will wear a compression stocking, or for larger veins a bandage for 2 to 3 days, to keep the treated veins closed. Walking straight after the injections and during the following days helps.

Common effects: bruising, tenderness and itching where the needle went in; brown staining along the treated vein (usually fades within months, occasionally lasts longer); new fine red veins near the treated area (matting), which can be treated later; small firm lumps of trapped blood, which may need draining at a follow-up visit.

Uncommon or rare risks: inflammation of a surface vein (superficial thrombophlebitis); a small skin ulcer at an injection site; an allergic reaction, which can rarely be severe; a blood clot in a deep vein (deep vein thrombosis) or, very rarely, in the lungs; temporary visual disturbance or headache.

Alternatives: no treatment; compression stockings alone; laser, which can suit better for red, very fine capillaries; for larger veins with reflux, endovenous treatment or surgery.

Tell the clinician if you are pregnant or breastfeeding, have had a blood clot, take blood thinners or hormones, have allergies, or have migraine with aura. Seek urgent help if you notice a painful swollen calf, chest pain, breathlessness or a change in vision.

I have read this information, I have been able to ask questions and have had them answered. I agree to liquid sclerotherapy. I know I may withdraw my consent at any time before or between sessions."""

LIQUID_IT = """\
La scleroterapia tratta le piccole vene varicose e i capillari dilatati (teleangectasie) delle gambe. Prima del trattamento è consigliato un esame eco-Doppler delle vene, per conoscere ed eventualmente trattare per prima la vena che causa il reflusso.

Come si esegue: con un ago sottile si inietta nella vena un farmaco liquido (uno sclerosante, di solito il polidocanolo). Il farmaco irrita la parete della vena, la vena si chiude e nelle settimane successive viene lentamente riassorbita. Il sangue passa poi nelle vene sane vicine. Spesso serve più di una seduta; il numero dipende da quante e quanto grandi sono le vene e dal risultato desiderato.

Dopo il trattamento: le vene trattate non scompaiono subito. All'inizio possono apparire più evidenti e infiammate, poi brunastre, poi verdastre come un livido, e di solito scompaiono in 2-3 settimane; le vene più grandi possono restare scure per alcuni mesi. Porterà una calza elastica, oppure per le vene più grandi un bendaggio per 2-3 giorni, per mantenere chiuse le vene trattate. Camminare subito dopo le iniezioni e nei giorni seguenti aiuta.

Effetti comuni: lividi, dolore al tatto e prurito nei punti di iniezione; pigmentazione bruna lungo la vena trattata (di solito scompare in alcuni mesi, a volte dura di più); nuovi capillari rossi sottili vicino alla zona trattata (matting), che si possono trattare in seguito; piccoli noduli duri di sangue intrappolato, che può essere necessario drenare a una visita di controllo.

Rischi non comuni o rari: infiammazione di una vena superficiale (tromboflebite superficiale); una piccola ulcera della pelle nel punto di iniezione; una reazione allergica, raramente grave; un coagulo in una vena profonda (trombosi venosa profonda) o, molto raramente, nei polmoni; disturbi visivi o mal di testa passeggeri.

Alternative: nessun trattamento; solo calze elastiche; il laser, che può essere più adatto per i capillari rossi e molto sottili; per le vene più grandi con reflusso, il trattamento endovenoso o la chirurgia.

Informi il medico se è in gravidanza o allatta, se ha avuto una trombosi, se assume anticoagulanti o ormoni, se ha allergie o emicrania con aura. Chieda aiuto urgente se nota un polpaccio gonfio e dolente, dolore al petto, mancanza di respiro o un cambiamento della vista.

Ho letto queste informazioni, ho potuto fare domande e ho avuto risposta. Acconsento alla scleroterapia con liquido. So che posso ritirare il consenso in qualsiasi momento prima o tra le sedute."""

FOAM_EN = """\
Foam sclerotherapy treats larger varicose veins. A Doppler ultrasound examination of the veins is advised before treatment; larger veins are often injected under ultrasound guidance.

How it is done: the same medicine used for liquid sclerotherapy (a sclerosant, usually polidocanol) is mixed with air or another gas into a foam with the consistency of shaving cream. Injected into the vein, the foam pushes the blood aside and stays in contact with the vein wall longer, so a lower dose works better. The vein closes and over the following weeks the body slowly reabsorbs it. More than one session is often needed.

After treatment: you will usually have a bandage for 2 to 3 days, then a compression stocking, to keep the treated veins closed. Walk straight after the injections and during the following days. The treated veins may feel firm and tender and look dark for some weeks; larger veins may stay dark for a few months.

Common effects: bruising, tenderness and itching; brown staining along the treated vein (usually fades within months, occasionally lasts longer); new fine red veins near the treated area (matting); firm lumps of trapped blood, which may need draining at a follow-up visit; inflammation of a surface vein (superficial thrombophlebitis).

Less common risks, somewhat more frequent with foam than with liquid: temporary visual disturbance, headache or migraine; a blood clot in a calf vein. Rare or very rare: a blood clot in a deep vein of the thigh or in the lungs; chest tightness or a dry cough; a skin ulcer; a severe allergic reaction; stroke has been reported in isolated cases, mainly in people with a hole between the heart's chambers (patent foramen ovale).

Alternatives: no treatment; compression stockings alone; liquid sclerotherapy; endovenous treatment (laser, radiofrequency, glue) or surgery for veins with reflux.

Tell the clinician if you are pregnant or breastfeeding, have had a blood clot, take blood thinners or hormones, have allergies, have migraine with aura, or know of a hole in the heart. Seek urgent help if you notice a painful swollen calf, chest pain, breathlessness, a change in vision, weakness or difficulty speaking.

I have read this information, I have been able to ask questions and have had them answered. I agree to foam sclerotherapy. I know I may withdraw my consent at any time before or between sessions."""

FOAM_IT = """\
La scleroterapia con schiuma (mousse) tratta le vene varicose più grandi. Prima del trattamento è consigliato un esame eco-Doppler delle vene; le vene più grandi sono spesso iniettate sotto guida ecografica.

Come si esegue: lo stesso farmaco della scleroterapia con liquido (uno sclerosante, di solito il polidocanolo) viene miscelato con aria o un altro gas fino a ottenere una schiuma con la consistenza della schiuma da barba. Iniettata nella vena, la schiuma sposta il sangue e resta più a lungo a contatto con la parete, così una dose più bassa è più efficace. La vena si chiude e nelle settimane successive viene lentamente riassorbita. Spesso serve più di una seduta.

Dopo il trattamento: di solito porterà un bendaggio per 2-3 giorni, poi una calza elastica, per mantenere chiuse le vene trattate. Cammini subito dopo le iniezioni e nei giorni seguenti. Le vene trattate possono essere dure e dolenti e apparire scure per alcune settimane; le vene più grandi possono restare scure per alcuni mesi.

Effetti comuni: lividi, dolore al tatto e prurito; pigmentazione bruna lungo la vena trattata (di solito scompare in alcuni mesi, a volte dura di più); nuovi capillari rossi sottili vicino alla zona trattata (matting); noduli duri di sangue intrappolato, che può essere necessario drenare a una visita di controllo; infiammazione di una vena superficiale (tromboflebite superficiale).

Rischi meno comuni, un po' più frequenti con la schiuma che con il liquido: disturbi visivi passeggeri, mal di testa o emicrania; un coagulo in una vena del polpaccio. Rari o molto rari: un coagulo in una vena profonda della coscia o nei polmoni; senso di costrizione al petto o tosse secca; un'ulcera della pelle; una reazione allergica grave; in casi isolati è stato descritto un ictus, soprattutto in persone con una comunicazione tra le cavità del cuore (forame ovale pervio).

Alternative: nessun trattamento; solo calze elastiche; la scleroterapia con liquido; il trattamento endovenoso (laser, radiofrequenza, colla) o la chirurgia per le vene con reflusso.

Informi il medico se è in gravidanza o allatta, se ha avuto una trombosi, se assume anticoagulanti o ormoni, se ha allergie, emicrania con aura o se sa di avere una comunicazione nel cuore. Chieda aiuto urgente se nota un polpaccio gonfio e dolente, dolore al petto, mancanza di respiro, un cambiamento della vista, debolezza o difficoltà a parlare.

Ho letto queste informazioni, ho potuto fare domande e ho avuto risposta. Acconsento alla scleroterapia con schiuma. So che posso ritirare il consenso in qualsiasi momento prima o tra le sedute."""

PHOTOGRAPHY_EN = """\
The clinic takes photographs of the treated areas of your legs before and after treatment, to plan the treatment and to see how well it worked.

The photographs show only your legs, not your face. They are kept in your clinical record, in the clinic's private storage, and only the clinicians treating you can see them. They are not shared with anyone outside the clinic, and are not used for teaching, publication or advertising without a separate written consent.

You may refuse; your treatment will not be affected. You may withdraw this consent at any time: no further photographs will then be taken. Photographs already taken stay in your clinical record, as the law requires for medical records.

I agree that the clinic takes and keeps photographs of my legs as part of my clinical record."""

PHOTOGRAPHY_IT = """\
La clinica fotografa le zone trattate delle gambe prima e dopo il trattamento, per pianificare la cura e valutarne il risultato.

Le fotografie mostrano solo le gambe, non il viso. Sono conservate nella cartella clinica, nell'archivio riservato della clinica, e possono vederle solo i medici che la curano. Non sono condivise con nessuno al di fuori della clinica e non sono usate per didattica, pubblicazioni o pubblicità senza un consenso scritto separato.

Può rifiutare; il trattamento non ne sarà influenzato. Può ritirare questo consenso in qualsiasi momento: da allora non saranno scattate altre fotografie. Le fotografie già scattate restano nella cartella clinica, come la legge richiede per i documenti sanitari.

Acconsento che la clinica scatti e conservi fotografie delle mie gambe come parte della mia cartella clinica."""

TEXTS = [
    ("liquid", "en", "Consent to liquid sclerotherapy", LIQUID_EN),
    ("liquid", "it", "Consenso alla scleroterapia con liquido", LIQUID_IT),
    ("foam", "en", "Consent to foam sclerotherapy", FOAM_EN),
    ("foam", "it", "Consenso alla scleroterapia con schiuma", FOAM_IT),
    ("photography", "en", "Consent to clinical photographs", PHOTOGRAPHY_EN),
    ("photography", "it", "Consenso alle fotografie cliniche", PHOTOGRAPHY_IT),
]


def seed(apps, schema_editor):
    ConsentText = apps.get_model("consent", "ConsentText")
    for procedure, language, title, body in TEXTS:
        if not ConsentText.objects.filter(
            procedure=procedure, language=language
        ).exists():
            ConsentText.objects.create(
                procedure=procedure,
                language=language,
                version=1,
                title=title,
                body=body,
                active=True,
            )


class Migration(migrations.Migration):
    dependencies = [("consent", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

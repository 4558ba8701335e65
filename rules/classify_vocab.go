package rules

// The built-in vocabulary of the classifier: what runners, coaches and
// training platforms write in English, German, French, Spanish, Italian and
// Dutch, with the common words of Scandinavian, Russian, Chinese, Japanese
// and Korean plans. Phrases are written folded (lowercase, no accents; the classifier
// folds them again anyway) and separated by "|"; a trailing "*" makes the
// last word a prefix, for German and Dutch compounds ("Intervalltraining",
// "Krafttraining"). At each word the longest phrase wins, which is how
// "marathon pace" (hard) beats "marathon" (race), "medium long run" (easy)
// beats "long run", and "course a pied" (a run) beats "course" (a race).

// clsSig is how much a phrase says about an event.
type clsSig uint8

const (
	// clsStrong decides the kind when present.
	clsStrong clsSig = iota
	// clsWeak decides only when nothing strong is said: "Run", "Off",
	// "parkrun", French "course" (a run or a race).
	clsWeak
	// clsNull consumes its words and says nothing: "pre-race",
	// "marathon training".
	clsNull
)

// clsFlag marks phrases with a role beyond their kind.
type clsFlag uint16

const (
	// clsRun names running itself ("run", "Lauf"): a gym or cross entry
	// that also says "run" is a run.
	clsRun clsFlag = 1 << iota
	// clsGym names gym work: "Strength" next to one is the gym, not
	// Hansons' strength run.
	clsGym
	// clsHansons marks "Strength": a gym session, unless the same text
	// measures a run ("Strength 3 x 2 mi").
	clsHansons
	// clsTitleOnly phrases count only in a title or a category: a
	// description saying "meeting point" is no meeting.
	clsTitleOnly
	// clsAtStart phrases count only as the first word of a title or
	// category ("Note: long run moved").
	clsAtStart
	// clsStrides marks strides and drills, which keep a day easy.
	clsStrides
	// clsRacePace marks marathon, half-marathon and race paces: with
	// "Strength" they make Hansons' strength run.
	clsRacePace
	// clsLight marks strength work that is light by its nature (core,
	// mobility, stretching, activation, prehab), and, on a clsNull
	// phrase, words that make a strength entry light ("light",
	// "optional").
	clsLight
	// clsErrand marks an errand about training ("Register for the half",
	// "Pick up race packet", "Drive kids to swim"): the sport words next
	// to it are not a workout, unless the text also plans a measured run.
	clsErrand
	// clsSprints marks hill sprints and Pfitzinger's "+ speed": short
	// sprints that belong to an easy run ("GA 8 mi + speed", "run + 6 hill
	// sprints"), and are hard work only on their own.
	clsSprints
	// clsTrip marks a trip or holiday, which yields to a run planned in
	// the same words ("Holiday long run 20 mi"); sickness never does.
	clsTrip
	// clsPlanEnds marks the end of a plan ("Plan Ends"), which is its
	// goal race when a taper comes before it.
	clsPlanEnds
	// clsBeforeNum phrases count only right before a number: Daniels'
	// "T 3 x 1 mi", not "T-shirt".
	clsBeforeNum
	// clsPerson marks someone other than the runner ("Kids swim
	// lessons", "Partner's long run"): their sport is not the runner's,
	// except "with" them ("Long run with my son").
	clsPerson
)

// clsDef is one line of the vocabulary.
type clsDef struct {
	phrases string
	kind    Kind
	sig     clsSig
	flags   clsFlag
	// what completes a reason: `"Tempo" is a tempo run`.
	what string
	// km is the distance a race name states (marathon, half, parkrun).
	km float64
}

const (
	clsMarathonKm = 42.195
	clsHalfKm     = 21.0975
)

// clsVocabulary is the built-in vocabulary; order matters only between
// phrases of the same length starting with the same word.
var clsVocabulary = [...]clsDef{
	// Races, with the distance their name gives.
	{phrases: "marathon|maraton|maratona|marathonlauf|marathon race|stadtmarathon", kind: KindRace, what: "a marathon", km: clsMarathonKm},
	{phrases: "half marathon|half marathon race|halbmarathon|semi marathon|semimarathon|demi marathon|medio maraton|media maraton|mezza maratona|mezzamaratona|halve marathon|meia maratona", kind: KindRace, what: "a half marathon", km: clsHalfKm},
	{phrases: "ultramarathon|ultra marathon|ultra race|ultratrail|ultra trail", kind: KindRace, what: "an ultra"},
	{phrases: "parkrun race|park run race|parkrun pb attempt", kind: KindRace, what: "a parkrun race", km: 5},
	{phrases: "race|races|raceday|race day|a race|b race|c race|goal race|target race|tune up|tuneup|tune up race|turkey trot|track meet|wettkampf|wettkampfe|wettkampftag|volkslauf|competition|competicion|competencia|competizione|gara|wedstrijd|hardloopwedstrijd", kind: KindRace, what: "a race"},
	// French "course", Spanish "carrera" and Danish "løb" mean a run as
	// often as a race:
	// a race only when nothing else is said ("Course 10 km", not "course
	// lente").
	// Events that are races even when run for fun.
	{phrases: "rennen|stadtlauf|citylauf|silvesterlauf|firmenlauf|nikolauslauf|altstadtlauf|adventslauf|osterlauf|benefizlauf|spendenlauf|trail des|trail du|trail de|ultra|ultras|backyard ultra|relay|relay race|ragnar|ragnar relay|fun run|charity run|charity race|colour run|color run|jingle bell run|santa run|santa dash|midnight run|night race|trail race|mountain race|fell race|hill race|road race|xc meet|cross country meet|triathlon race|duathlon|aquathlon", kind: KindRace, what: "a race"},
	// French cross-country races: "Cross du Figaro", "Cross de Lyon".
	{phrases: "cross du|cross de|cross des|cross de la|cross populaire|cross country race|cross country championships|xc race|xc championships|crosslauf meisterschaft", kind: KindRace, what: "a cross-country race"},
	{phrases: "course|carrera|corrida|lob", kind: KindRace, sig: clsWeak, what: "a race"},
	// French "Semi de Boulogne" is a half marathon.
	{phrases: "semi", kind: KindRace, sig: clsWeak, what: "a half marathon", km: clsHalfKm},
	// "Race" words that are not a race.
	{phrases: "比赛周|赛前|赛后|减量|减量周|レース前日|レース前|大会前日|大会前|レース後|大会後|レース週|taper|marathon taper|half marathon taper|race taper|pre race|post race|after race|after the race|before race|before the race|day after race|race week|race prep|race preparation|race rehearsal|recovery week|marathon recovery week|rest week|taper week|deload week|cutback week|cut back week|down week|base week|build week|peak week|race plan|race kit|race pack|race packet|packet pickup|bib pickup|race registration|marathon training|marathon plan|marathon week|marathon prep|half marathon training|training plan|nach dem wettkampf|vor dem wettkampf|apres course|avant course|apres la course|post carrera|despues de la carrera", sig: clsNull},

	// Paces: a race distance as an intensity is hard, not a race.
	{phrases: "marathon pace|marathon effort|marathon tempo|marathon specific|marathon simulation|marathon sim|goal marathon pace|marathon pace run|mp|gmp|mrp|m pace|at marathon|marathontempo|marathonrenntempo|mrt|allure marathon|ritmo maraton|ritmo de maraton|ritmo maratona|tempo maratona|marathon paced", kind: KindHard, flags: clsRacePace, what: "marathon-pace work"},
	{phrases: "half marathon pace|half marathon effort|hm pace|hm effort|hmp|at half marathon|at hm|halbmarathontempo|hm tempo|allure semi|allure semi marathon|ritmo media maraton|ritmo de media maraton|ritmo mezza", kind: KindHard, flags: clsRacePace, what: "half-marathon-pace work"},
	{phrases: "race pace|race effort|race tempo|race simulation|race specific|goal pace|goal race pace|rp|wettkampftempo|renntempo|allure course|allure specifique|ritmo carrera|ritmo de carrera|ritmo de competicion|ritmo gara|ritmo|mile pace|mile effort", kind: KindHard, flags: clsRacePace, what: "race-pace work"},
	// Higdon's "5 m pace" is a run at race pace.
	{phrases: "pace|pace run", kind: KindHard, sig: clsWeak, what: "a run at race pace"},
	{phrases: "easy pace|e pace|conversational pace|recovery pace|comfortable pace|aerobic pace|long run pace", kind: KindEasy, what: "an easy run"},

	// Long runs.
	{phrases: "long run|long|lr|long slow distance|lsd|long slow run|long easy|long easy run|easy long|easy long run|long jog|long aerobic|long aerobic run|long run fast finish|long trail run|sunday long run|weekend long run", kind: KindLong, what: "a long run"},
	{phrases: "langer lauf|langer dauerlauf|lange einheit|langer|ldl|langer lauf locker", kind: KindLong, what: "a long run"},
	{phrases: "sortie longue|longue|sl|sortie longue endurance", kind: KindLong, what: "a long run"},
	{phrases: "tirada larga|tirada|larga|rodaje largo|fondo|fondo largo|lungo|lunghissimo|corsa lunga|fondo lungo|lange duurloop|lange loop|duurloop lang", kind: KindLong, what: "a long run"},
	// "Long" as an adjective of a hard session, and Pfitzinger's
	// medium-long run, which is not the week's long run.
	{phrases: "long intervals|long interval|long reps|long repeats|long tempo|long hills|long hill|long hill repeats|long threshold|long fartlek|lange intervalle|intervalles longs|series largas", kind: KindHard, what: "a hard session of long repeats"},
	{phrases: "medium long|medium long run|mlr|medium long aerobic", kind: KindEasy, what: "a medium-long run (not the week's long run)"},
	{phrases: "fondo lento|fondo lento lungo", kind: KindEasy, what: "an easy run"},
	{phrases: "fondo medio|fondo veloce", kind: KindHard, what: "a tempo run"},

	// Hard sessions.
	{phrases: "interval|intervals|intervall*|intervalle|intervalles|intervalos|intervalo|intervalli|intervaltraining|interval training|repeats|repeat|reps|repetitions|repeticiones|wiederholungen|ripetute|series|fractionne|fractionnes|fractionnee|yasso|yassos|yasso 800s|ladder|pyramid|pyramide|piramide|mile repeats|km repeats|400s|800s|1000s|over unders|over under|critical velocity|cv intervals|kenyan", kind: KindHard, what: "an interval session"},
	{phrases: "tempo|tempo run|tempolauf|tempolaufe|tempodauerlauf|tempoloop|tempowechsellauf|tempo duurloop|zugiger dauerlauf|zugiger lauf|zugig|schneller dauerlauf|flotter dauerlauf|ga2|allure tempo|tempo continuo|ritmo sostenido|corsa media|medio|sostenuto|tempo intervals", kind: KindHard, what: "a tempo run"},
	{phrases: "threshold|thresholds|threshold run|lactate|lactate threshold|lt|lt2|lthr|anaerobic threshold|schwelle|schwellenlauf|schwellentraining|schwellentempo|seuil|allure seuil|umbral|umbral anaerobico|soglia|drempel|drempeltraining|sweet spot|cruise|cruise intervals|t pace|threshold pace|tempo pace|double threshold", kind: KindHard, what: "threshold work"},
	{phrases: "vo2|vo2max|vo2 max|vo2max intervals|vma|vma courte|vma longue|pma|anaerobic|anaerob|anaerobe|maximal aerobic|i pace|r pace|interval pace|repetition pace", kind: KindHard, what: "VO2max work"},
	{phrases: "fartlek|fartleks|fahrtspiel|cambios de ritmo|cambios|kenyan fartlek|mona fartlek|surges", kind: KindHard, what: "a fartlek"},
	{phrases: "hill sprints|hill sprint|short hill sprints|sprints|sprint|speed|bergsprints|cotes courtes", kind: KindHard, flags: clsSprints, what: "sprints"},
	{phrases: "hill|hills|hill repeats|hill reps|hill intervals|hill workout|hill circuit|hill session|hillwork|hill work|kenyan hills|berglauf|berglaufe|bergsprint*|bergintervall*|berganlauf*|bergauf*|bergtraining|hugel*|huegel*|cotes|cote|cuestas|cuesta|salite|salita|heuvel*", kind: KindHard, what: "hill work"},
	{phrases: "track|track session|track workout|track intervals|track repeats|bahn|bahntraining|bahnintervalle|piste|pista|baan|baantraining", kind: KindHard, what: "a track session"},
	{phrases: "speedwork|speed work|speed session|speed intervals|speed workout|schnelligkeit|vitesse|velocidad|velocita|snelheid|sprinttraining", kind: KindHard, what: "speed work"},
	{phrases: "progression|progression run|progressive|progressive run|progressif|progressiv|progressiver dauerlauf|progressivo|progresivo|progresiva|negative split|fast finish|endbeschleunigung", kind: KindHard, what: "a progression run"},
	{phrases: "z4|z5|z5a|z5b|z5c|zone 4|zone 5|zona 4|zona 5|zone4|zone5|hr zone 4|hr zone 5", kind: KindHard, what: "zone 4–5 work"},
	{phrases: "half marathon time trial|marathon time trial|half marathon test|dress rehearsal|test run|time trial|tt|time trial 5k|benchmark|benchmark run|cooper test|test cooper|vma test|test vma|field test|fitness test|zeitlauf|leistungstest|contre la montre|prueba de esfuerzo", kind: KindHard, what: "a time trial (a race effort)"},
	// "10K test": a test is a race effort; a blood test is not.
	{phrases: "test|tests", kind: KindHard, sig: clsWeak, what: "a test (a race effort)"},
	{phrases: "blood test|covid test|lab test|medical test|eye test|driving test|test drive|drug test", kind: KindOther, flags: clsTitleOnly, what: "not a workout"},
	{phrases: "fast|fast run|fast miles|fast km|schnell|rapide|rapido|veloce", kind: KindHard, sig: clsWeak, what: "a fast run"},
	{phrases: "hard|hard run|hard session|quality|quality session|key workout|key session|sos|harte einheit|intensiv|intensive|intense|qualitat", kind: KindHard, what: "a hard session"},

	// Easy running.
	{phrases: "easy|easy run|easy jog|easy running|easy miles|easy km|conversational|comfortable|relaxed|slow|lento|lenta|lent|facile|suave|rodaje|rodaje suave|trote|trote suave|locker|lockerer|lockerer lauf|lockerer dauerlauf|locker laufen|ruhig|ruhiger|ruhiger dauerlauf|ruhiger lauf|leichter lauf|rustig|rustige|rustige duurloop|corsa lenta|carrera continua|carrera suave|footing|footing leger|jog|jogging|trot|dauerlauf|duurloop|defaticante", kind: KindEasy, what: "an easy run"},
	{phrases: "recovery|recovery run|recup|recuperation|recuperacion|recuperacion activa|regeneration*|regenerativ*|rigenerante|rigenerativo|erholung*|herstel*|active recovery|shakeout|shake out|shakeout run|shake out run|pre race shakeout|pre race jog|race recovery|post race recovery|marathon recovery", kind: KindEasy, what: "a recovery run"},
	{phrases: "rec|rec run|steady|steady run|steady state|steady state run|general aerobic|ga|ga1|ga 1|aerobic|aerobic run|aerob|aerobe|base|base run|endurance|endurance run|endurance fondamentale|ef|grundlage*|foundation|z1|z2|zone 1|zone 2|zona 1|zona 2|zone1|zone2|hr zone 2|general aerobic speed|ga speed|aerobic speed|ga plus speed|general aerobic plus speed", kind: KindEasy, what: "an aerobic run"},
	{phrases: "strides|stride|steigerung*|accelerations|lignes droites|lignes|progresiones|pickups|pick ups|allunghi|versnellingen|drills|running drills|lauf abc|laufschule|gammes|educativos|easy strides|easy plus strides|hill strides|uphill strides", kind: KindEasy, flags: clsStrides, what: "strides and drills (easy)"},
	{phrases: "run walk|walk run|run walk intervals|jog walk|walk jog|run walk run", kind: KindEasy, what: "run/walk (easy)"},

	// Running itself, intensity unknown: "a run with no intensity
	// information is easy".
	{phrases: "run|runs|running|morning run|afternoon run|evening run|lunch run|night run|lauf|lauf*|course a pied|corsa|hardlopen|hardloop|trail|trail run|trailrun|treadmill|treadmill run|laufband|tapis|cinta|xc|cross country|cross country run|crosslauf|run commute|commute run|carrera a pie", kind: KindEasy, sig: clsWeak, flags: clsRun, what: "a run"},

	// Cross-training.
	{phrases: "cross|cross train|cross training|crosstrain|crosstraining|cross trainer|xt|x train|x training|cardio", kind: KindCross, what: "cross-training"},
	{phrases: "bike|bikes|biking|cycling|cycle|ride|spin|spinning|spin class|peloton|zwift|turbo|indoor cycling|rad|radfahren|radeln|fahrrad|rennrad|velo|home trainer|bici|bicicleta|ciclismo|fietsen|wielrennen|mtb|gravel", kind: KindCross, what: "cycling (cross-training)"},
	{phrases: "swim|swimming|pool|schwimmen|natation|natacion|nadar|nuoto|zwemmen|piscine|piscina", kind: KindCross, what: "swimming (cross-training)"},
	{phrases: "stairs|stair climb|stair climbing|bleachers|stadium stairs|elliptical|elliptical trainer|crosstrainer|elliptique|eliptica|ellittica|stepper|stairmaster|stair climber", kind: KindCross, what: "elliptical (cross-training)"},
	{phrases: "yoga|pilates|barre", kind: KindCross, what: "yoga or pilates (cross-training)"},
	{phrases: "rowing|row|rower|erg|rudern|aviron|remo|roeien|canottaggio", kind: KindCross, what: "rowing (cross-training)"},
	{phrases: "hike|hiking|walk|walking|wandern|wanderung|spaziergang|randonnee|marche|caminar|caminata|senderismo|camminata|wandelen|nordic walking", kind: KindCross, what: "walking or hiking (cross-training)"},
	{phrases: "aqua jogging|aquajogging|deep water running|dwr|pool running|pool run|water running|aqua running", kind: KindCross, what: "pool running (cross-training)"},
	{phrases: "snowboard|snowboarding|surf|surfing|rugby|hockey|dance|dancing|zumba|boxing|kickboxing|martial arts|judo|karate|kayak|kayaking|paddle|paddleboard|sup|skateboard|golf|volleyball|badminton|handball|netball|cricket|baseball|softball|ultimate frisbee|snowshoe|snowshoeing|skimo|ski touring", kind: KindCross, what: "another sport (cross-training)"},
	{phrases: "ski|skiing|cross country skiing|xc ski|xc skiing|nordic ski|nordic skiing|langlauf|skating|skate|inline|ski de fond|esqui|tennis|football|soccer|basketball|climbing|bouldering|klettern|escalade|squash|padel|triathlon|brick", kind: KindCross, what: "another sport (cross-training)"},

	// Rest.
	{phrases: "rest|rest day|day off|off day|complete rest|total rest|full rest|ruhetag|ruhe|trainingsfrei|lauffrei|repos|jour de repos|repos complet|descanso|dia de descanso|descanso total|descanso activo|riposo|rust|rustdag|rest and recovery|rest and stretch|rest and mobility", kind: KindRest, what: "a rest day"},
	{phrases: "off|pause|frei|libre", kind: KindRest, sig: clsWeak, what: "a rest day"},

	// Gym work already in the plan. "Strength" alone may be Hansons'
	// strength run.
	{phrases: "strength|strength workout|strength session", kind: KindStrength, flags: clsHansons, what: "a strength session"},
	// Hansons' name for its repeats at marathon pace minus 10 seconds.
	{phrases: "strength run|strength runs|hansons strength", kind: KindHard, what: "a Hansons strength run (repeats near marathon pace), not gym work"},
	// Light strength (SPEC §3 "Light strength"): it counts as an existing
	// strength entry but never as a full session.
	{phrases: "core|core work|core strength|core stability|core routine|core circuit|core session|abs|ab work|mobility|mobility work|mobility session|mobility routine|stretching|stretch|stretches|stretching and mobility|foam roll|foam rolling|foam roller|activation|glute activation|activation drills|activation exercises|prehab|pre hab|injury prevention|injury prevention exercises|rehab exercises|physio exercises|stabi*|rumpf*|rumpfstabi*|dehnen|dehnung|beweglichkeit|mobilisation|mobilitat|gainage|etirements|etirement|mobilite|estiramientos|estiramiento|movilidad|addominali|stretching e mobilita|mobilita|rekken|core stabiliteit|rorlighet|tojning|растяжка|пресс|核心|核心训练|核心力量|拉伸|体幹|体幹トレ|ストレッチ|モビリティ", kind: KindStrength, flags: clsGym | clsLight, what: "light strength work (core, mobility or stretching)"},
	{phrases: "light|optional|opt|optionnel|facultatif|opcional|facoltativo|leicht|leichte|lite|mini|short|quick|kurz|kurze|軽め|轻量|可选", sig: clsNull, flags: clsLight},
	{phrases: "tabata|body pump|bodypump|upper body|lower body|full body|total body|calf raises|glute bridges|push ups|pushups|pull ups|pullups|planks|plank|resistance|resistance training|bands|band work|rehab|reha", kind: KindStrength, flags: clsGym, what: "a gym session"},
	{phrases: "strength training|strength and conditioning|s and c|strength circuit|strength work|strength and mobility|gym|gym session|weights|weight training|weightlifting|lifting|lift|krafttraining|kraft*|athletik|athletiktraining|musculation|muscu|renforcement|renforcement musculaire|renfo|ppg|gainage|fuerza|entrenamiento de fuerza|gimnasio|pesas|palestra|forza|potenziamento|pesi|kracht*|kettlebell|kettlebells|circuit|circuit training|bodyweight|body weight|plyometrics|plyometric|plyo|plyos|pliometria|crossfit|hyrox|trx|squat|squats|deadlift|deadlifts|lunges|functional training|bootcamp|hiit|leg day|strengthen|strengthening|stretch and strengthen", kind: KindStrength, flags: clsGym, what: "a gym session"},

	// Away: the runner cannot train (SPEC §3 "Away"). Only titles say so;
	// a description's "if you are on holiday, swap days" does not.
	{phrases: "ski weekend|ski week|ski holiday|ski vacation|skiurlaub|skiferien|weekend away|weekend trip|city break|family holiday|family vacation|beach holiday|road trip|out of office|ooo|visiting family|away|holiday|holidays|vacation|vacay|trip|ski trip|skiing trip|ski holiday|ski week|business trip|work trip|travel|travelling|traveling|travel day|flight|flights|red eye|abroad|out of town|camping|camping trip|honeymoon|wedding|urlaub|ferien|reise|dienstreise|geschaftsreise|vacances|conges|conge|voyage|deplacement|vacaciones|viaje|ferie|ferien|viaggio|trasferta|vakantie|reis|semester|resa|tjenestereise|отпуск|командировка|поездка|出差|旅行|旅游|度假|休假|出張|旅行中|休暇|帰省|away from home", kind: KindAway, flags: clsTitleOnly | clsTrip, what: "time away: no training"},
	{phrases: "sick|ill|illness|unwell|flu|covid|fever|injured|injury|niggle|surgery|hospital|sick day|krank|erkaltet|verletzt|verletzung|malade|blesse|blessure|enfermo|enferma|lesion|lesionado|lesionada|malato|infortunio|infortunato|ziek|geblesseerd|sjuk|skadad|syk|skadet|болезнь|болею|травма|生病|感冒|发烧|受伤|伤病|病気|風邪|怪我|ケガ|故障|no training|unable to train|can t train|cannot train", kind: KindAway, flags: clsTitleOnly, what: "time off sick or injured: no training"},
	// Days that are only dates, not plans: a public holiday is no trip.
	{phrases: "flu shot|flu jab|flu vaccine|covid vaccine|covid booster|bank holiday|public holiday|national holiday|federal holiday|feiertag|jour ferie|dia festivo|festivo|giorno festivo|feestdag|holiday monday|holiday weekend|school holiday|school holidays|holiday party|holiday lights|holiday shopping|holiday run|injury free|no injury|cold weather|cold and|in the cold|if sick|if ill|if injured|avoid injury|reduce injury|injury risk", sig: clsNull},
	// Errands about training and sport that is someone else's: never a
	// workout (SPEC §3 "Not training").
	{phrases: "register|registration|registrations|sign up|signup|sign ups|entry|entries|entry opens|ballot|lottery|pick up|collect|collection|book|booking|booked|buy|buying|purchase|order|ordered|renew|renewal|pay|payment|pay for|drive|driving|drive to|drop off|watch|watching|spectate|spectating|spectator|cheer|cheering|crewing for|pace for|pacing for|volunteer|volunteering|marshal|marshalling|hotel|airbnb|expo|race expo|marathon expo|packet|race packet|bib|number pickup|results|photos|deadline|anmelden|anmeldung|startnummer|startnummernausgabe|abholen|zuschauen|anfeuern|inscription|inscriptions|s inscrire|retrait|dossard|retrait des dossards|encourager|supporter|inscribirse|inscripcion|dorsal|recogida de dorsales|recoger|iscrizione|pettorale|inschrijven|inschrijving|startnummer ophalen|报名|领物|领取|购买|エントリー|申し込み|申込|受付|ゼッケン|応援", kind: KindOther, flags: clsTitleOnly | clsErrand, what: "an errand, not a workout"},
	{phrases: "kids|kid|kid s|kids s|children|child|childrens|son|son s|sons|daughter|daughter s|daughters|my son|my daughter|wife|wife s|husband|husband s|partner s|boyfriend s|girlfriend s|mum s|mom s|dad s|family|team s|club s|school run|kinder|kinder s|sohn|tochter|enfants|enfant|fils|fille|ninos|nino|hijo|hija|hijos|bambini|figlio|figlia|kinderen|zoon|dochter|barn|дети|сын|дочь|孩子|儿子|女儿|小孩|子供|息子|娘", kind: KindOther, flags: clsTitleOnly | clsPerson, what: "someone else's activity, not the runner's workout"},

	// Not workouts.
	{phrases: "meeting|meetings|call|conference|appointment|dentist|doctor|physio|physiotherapy|massage|chiropractor|haircut|birthday|anniversary|webinar|interview|standup|stand up|summary|weekly summary|week summary|training week|week total|weekly total|weekly mileage|weekly volume|wochenumfang|volunteer|volunteering|marshal|marshalling|besprechung|termin|arzt|zahnarzt|physiotherapie|reunion|rdv|rendez vous|medecin|dentiste|cita|medico|dentista|fisioterapia|riunione|vergadering|afspraak|tandarts|running club social|run club social|club social|club night|club dinner|awards night|awards dinner|club agm|committee meeting|race expo|marathon expo|packet pickup|bib pickup|number pickup|startnummernausgabe|lauftreff stammtisch|stammtisch|retrait des dossards|recogida de dorsales", kind: KindOther, flags: clsTitleOnly, what: "not a workout"},
	{phrases: "plan ends|plan end|end of plan|end of the plan|plan complete|plan completed|plan finished|last day of plan|end of training plan|planende|ende des plans|fin du plan|fin de plan|fin del plan|fine del piano|einde schema|计划结束|プラン終了", kind: KindOther, flags: clsTitleOnly | clsPlanEnds, what: "the end of the plan"},
	{phrases: "note|notes|nota|notiz|hinweis|remarque|reminder|fyi|todo|info", kind: KindOther, flags: clsTitleOnly | clsAtStart, what: "a note, not a workout"},

	// Scandinavian, Russian, Chinese, Japanese and Luxembourgish titles,
	// seen in real feeds and plans (马拉松训练计划, マラソン練習メニュー).
	// Chinese and Japanese have no spaces: their phrases match anywhere in
	// a run of characters ("长距离慢跑" is a long slow run).
	{phrases: "langpass|langpass lugnt|langtur|langdistans|длительная|длительный|длинная|длительная пробежка|长距离*|长跑*|长距离跑|lsd跑", kind: KindLong, what: "a long run"},
	{phrases: "lugnt|lugn|distanspass|rolig|roligt|rolig tur|lett|лёгкий|легкий|лёгкая|легкая|восстановительный|восстановительная|восстановление|轻松*|慢跑*|有氧*|恢复跑*|gemittlech", kind: KindEasy, what: "an easy run"},
	{phrases: "intervaller|intervallpass|troskel|troskelpass|terskel|terskelokt|backintervaller|backar|bakker|интервалы|интервальная|интервальный|темповый|темповая|темп|фартлек|горки|пороговый|间歇*|节奏跑*|乳酸阈*|阈值*|变速跑*|坡道*|tempolaf", kind: KindHard, what: "a hard session"},
	{phrases: "vila|vilodag|hvile|hviledag|отдых|день отдыха|休息*", kind: KindRest, what: "a rest day"},
	{phrases: "styrka|styrketraning|styrke|styrketrening|силовая|силовая тренировка|силовые|力量*|健身*", kind: KindStrength, flags: clsGym, what: "a gym session"},
	{phrases: "tavling|lopp|konkurranse|забег|соревнование|соревнования|比赛*", kind: KindRace, what: "a race"},
	{phrases: "марафон|马拉松*|全马*|全程马拉松*", kind: KindRace, what: "a marathon", km: clsMarathonKm},
	{phrases: "halvmaraton|halvmarathon|полумарафон|半马*|半程马拉松*", kind: KindRace, what: "a half marathon", km: clsHalfKm},
	{phrases: "lopning|lopetur|loping|lobetur|бег|пробежка|跑步*|laf|lafen", kind: KindEasy, sig: clsWeak, flags: clsRun, what: "a run"},
	{phrases: "cykel|cykling|sykkel|sykling|simning|svomming|велосипед|плавание|骑行*|游泳*|单车*", kind: KindCross, what: "cross-training"},

	// parkrun is a hard effort unless it says otherwise ("parkrun (easy)",
	// "parkrun race").
	{phrases: "轻松跑|e跑|放松跑|慢跑|有氧跑|有氧慢跑|恢复跑|恢复慢跑|跑步机慢跑|ジョグ|ジョギング|スロージョグ|軽めのジョグ|イージー|イージーラン|リカバリー|リカバリーラン|回復走|つなぎ|ゆっくり|軽く", kind: KindEasy, what: "an easy run"},
	{phrases: "刺激入れ|加速跑|大步跑|流し|ウインドスプリント|ストライド", kind: KindEasy, flags: clsStrides, what: "strides (easy)"},
	{phrases: "ロング走|ロング|距離走|長距離走|長距離|ロングジョグ|超ロング|30キロ走|30km走|长距离跑|长距离慢跑|lsd长距离", kind: KindLong, what: "a long run"},
	{phrases: "间歇跑|间歇训练|亚索|亚索800|节奏跑|乳酸阈值跑|阈值跑|巡航间歇|马拉松配速|马配|半马配速|比赛配速|配速跑|目标配速|坡道跑|爬坡|坡度跑|冲刺|速度训练|重复跑|变速跑|法特莱克|渐进跑|递增跑|インターバル|インターバル走|ペース走|テンポ走|テンポラン|閾値走|閾値|レペティション|ビルドアップ|ビルドアップ走|坂ダッシュ|坂道ダッシュ|坂道|坂練|峠走|ポイント練習|クルーズインターバル|ファルトレク|変化走|マラソンペース|レースペース|全力|タイムトライアル", kind: KindHard, what: "a hard session"},
	{phrases: "完全休养|积极休息|休养|休み|休養|完全休養|積極的休養|オフ|レスト|安静", kind: KindRest, what: "a rest day"},
	{phrases: "力量训练|健身房|筋トレ|ウエイト|ウェイト|補強|補強運動|ジム|サーキット", kind: KindStrength, flags: clsGym, what: "a gym session"},
	{phrases: "交叉训练|椭圆机|动感单车|瑜伽|徒步|划船机|バイク|エアロバイク|自転車|水泳|スイム|プール|ウォーキング|ヨガ|健走|走路|散步|クロストレーニング|ハイキング", kind: KindCross, what: "cross-training"},
	{phrases: "レース|大会|本番|記録会|駅伝|比赛日|参赛", kind: KindRace, what: "a race"},
	{phrases: "フルマラソン|マラソン|マラソン大会", kind: KindRace, what: "a marathon", km: clsMarathonKm},
	{phrases: "ハーフマラソン|ハーフ", kind: KindRace, what: "a half marathon", km: clsHalfKm},
	{phrases: "ラン|ランニング|ジョグラン|走|跑", kind: KindEasy, sig: clsWeak, flags: clsRun, what: "a run"},
	{phrases: "会议|开会|牙医|看医生|医院|理疗|按摩|会議|歯医者|病院|整体|マッサージ|打ち合わせ", kind: KindOther, flags: clsTitleOnly, what: "not a workout"},
	{phrases: "训练周|周总结|本周|週間|今週", kind: KindOther, flags: clsTitleOnly | clsAtStart, what: "a summary, not a workout"},

	// Portuguese (Brazilian plans on Strava) and Polish.
	{phrases: "corrida leve|rodagem|trote leve|regenerativo|corrida regenerativa|corrida continua|bieg spokojny|rozbieganie|trucht|spokojny bieg", kind: KindEasy, what: "an easy run"},
	{phrases: "longao|longo|corrida longa|treino longo|wybieganie|dlugi bieg|dlugie wybieganie", kind: KindLong, what: "a long run"},
	{phrases: "tiros|treino intervalado|intervalado|limiar|subidas|ritmo forte|interwaly|interwal|bieg ciagly|progresywny|podbiegi|tempo bieg", kind: KindHard, what: "a hard session"},
	{phrases: "musculacao|fortalecimento|treino de forca|silownia|trening silowy|ofp|офп", kind: KindStrength, flags: clsGym, what: "a gym session"},
	{phrases: "prova|corrida de rua|zawody", kind: KindRace, sig: clsWeak, what: "a race"},
	{phrases: "odpoczynek|wolne", kind: KindRest, what: "a rest day"},
	{phrases: "caminhada|bicicleta ergometrica|spacer|rower|basen|plywanie", kind: KindCross, what: "cross-training"},
	{phrases: "corrida|bieg|biegi|bieganie", kind: KindEasy, sig: clsWeak, flags: clsRun, what: "a run"},
	// More of the words plans use in the main languages.
	{phrases: "speed run|speed runs|sprint intervals|sprint session|speed endurance", kind: KindHard, what: "speed work"},
	{phrases: "openers|opener|pre race openers|scarico|corsa di scarico|defaticamento|footing lent|footing recup|footing de recuperation|trote regenerativo|extensieve duurloop|extensief|jogg|joggetur|lett jogg|roligt jogg|rolig lopetur|rolig joggetur|lockerer trab|trab", kind: KindEasy, what: "an easy run"},
	{phrases: "intensieve duurloop|intensief|crescendolauf|crescendo|seance specifique|specifique|allure specifique marathon|ritmo de maraton|tempo run intervals|lt intervals|tempo intervals", kind: KindHard, what: "a hard session"},
	{phrases: "alternativtraining|alternatives training|entrenamiento cruzado|entrainement croise|allenamento incrociato|crosstraining fiets|radeinheit", kind: KindCross, what: "cross-training"},
	// Daniels' letters at the start of a title: "E 8 mi", "T 3 x 1 mi",
	// "M 10 mi", "I 5 x 1000", "R 8 x 200", and Chinese "E跑", "M跑".
	{phrases: "e", kind: KindEasy, flags: clsAtStart | clsBeforeNum, what: "an easy run (Daniels' E)"},
	{phrases: "l", kind: KindLong, flags: clsAtStart | clsBeforeNum, what: "a long run (Daniels' L)"},
	{phrases: "t|i|r|m", kind: KindHard, flags: clsAtStart | clsBeforeNum, what: "a quality run (Daniels' T, I, R or M pace)"},
	{phrases: "t跑|i跑|r跑|m跑", kind: KindHard, what: "a quality run (Daniels' T, I, R or M pace)"},

	// Strava and intervals.icu activity types, written as one word.
	{phrases: "virtualrun|treadmillrun|trailrun", kind: KindEasy, sig: clsWeak, flags: clsRun, what: "a run"},
	{phrases: "virtualride|ebikeride|mountainbikeride|gravelride|handcycle|velomobile", kind: KindCross, what: "cycling (cross-training)"},
	{phrases: "nordicski|alpineski|backcountryski|stairstepper|rockclimbing|inlineskate|iceskate|standuppaddling|openwaterswim|kitesurf|windsurf|snowshoe", kind: KindCross, what: "another sport (cross-training)"},
	{phrases: "weighttraining|strengthtraining", kind: KindStrength, flags: clsGym, what: "a gym session"},

	// Korean keeps spaces, but particles stick to words ("조깅을").
	{phrases: "조깅*|회복*|이지런*|가벼운*", kind: KindEasy, what: "an easy run"},
	{phrases: "장거리*|롱런*|lsd*", kind: KindLong, what: "a long run"},
	{phrases: "인터벌*|템포런*|템포*|빌드업*|페이스주*|언덕*|파틀렉*", kind: KindHard, what: "a hard session"},
	{phrases: "휴식*|쉬는날*", kind: KindRest, what: "a rest day"},
	{phrases: "근력*|웨이트*|헬스*", kind: KindStrength, flags: clsGym, what: "a gym session"},
	{phrases: "코어*|스트레칭*", kind: KindStrength, flags: clsGym | clsLight, what: "light strength work (core, mobility or stretching)"},
	{phrases: "마라톤*|풀코스*", kind: KindRace, what: "a marathon", km: clsMarathonKm},
	{phrases: "하프마라톤*|하프코스*", kind: KindRace, what: "a half marathon", km: clsHalfKm},
	{phrases: "대회*|레이스*", kind: KindRace, what: "a race"},
	{phrases: "러닝*|달리기*", kind: KindEasy, sig: clsWeak, flags: clsRun, what: "a run"},

	{phrases: "parkrun|park run|junior parkrun", kind: KindHard, sig: clsWeak, what: "a parkrun (a hard effort)", km: 5},
}

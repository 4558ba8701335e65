package rules

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Phase boundaries in whole ISO weeks before the goal race (SPEC §5, after
// "Build Strength First – Train for Power – Translate to Running").
const (
	strengthFromWeeksOut = 9 // ≥ 9 weeks out: strength
	powerFromWeeksOut    = 4 // 8–4 weeks out: power; 3–0: running-specific
	rxBlockWeeks         = 4 // 3 build weeks, then a lighter week
	// rxBaseWeeks are the runner's first weeks of sessions, strength phase
	// whatever the race calendar says: power builds on a base, it does not
	// replace it (SPEC §5 "Phases never skip the base").
	rxBaseWeeks = 3
	// rxBeginnerJumpWeek is a beginner's first week with jumps beyond low
	// pogo hops: six weeks of landings and body weight first.
	rxBeginnerJumpWeek = 7
	// rxMaintainMinutes is the length of a running-specific session: short,
	// so that it sharpens without tiring the legs for the week's runs.
	rxMaintainMinutes = 30
)

// rxEpochWeek is the Monday from which no-race blocks are counted. A fixed
// anchor, not the plan's start, keeps a session's content where it is when
// the runner syncs again a week later with a later --start.
func rxEpochWeek() Date { return Date{2001, time.January, 1} }

// Progression within a block, by step: three build weeks, then the lighter
// week at about 60% of the sets and a load the same or slightly lower than
// the last build week ("progressively overload ... don't go too hard too
// soon", Strength Training 101). Lifters work at 75–85% of 1RM, about
// 80–100% of a 5RM (Strength Training Can Improve Running Performance: "a
// load of around 70-85% of 1RM"). Beginners, who alone use bands and body
// weight, work a step lower and take their lighter week at the stage's
// lightest load, so that a new stage never opens heavy.
var (
	rxPercent         = [rxBlockWeeks]int{75, 80, 85, 80}
	rxBeginnerPercent = [rxBlockWeeks]int{70, 75, 80, 70}
	rxRPE             = [rxBlockWeeks]string{"RPE 7", "RPE 7.5", "RPE 8", "RPE 7"}
	rxBand            = [rxBlockWeeks]string{"light band", "medium band", "heavy band", "light band"}
	rxBodyweightReps  = [rxBlockWeeks]string{"10", "12", "15", "10"}
)

// rxLight is the share of working sets kept in a lighter week.
const rxLight = 0.6

// Prescribe turns placements into sessions: phase, variant, title, exercises
// and notes. races are all races known (may lie far beyond the sessions);
// days are the classified days around the placements (they may be nil), used
// only to name the easy run that strides or hill sprints belong to; namespace
// goes into the UIDs (see SessionUID in types.go).
//
// Phase. The goal race of a session is the next A race on or after its date
// that is a half marathon or longer (Race.DistanceKm, or read from the
// race's name when the calendar gives no distance), else the next A race of
// unknown distance; B and C races never set the phase. Whole ISO weeks to it
// decide the phase: ≥ 9 strength, 8–4 power, 3–0 maintain. With no goal
// race, sessions follow 4-week blocks counted from a fixed Monday
// (2001-01-01): three build weeks, then a deload. The runner's first
// rxBaseWeeks ISO weeks of sessions, counted from Settings.Started or else
// from the first placement, are strength phase whatever the races say, and a
// beginner jumps no higher than low pogo hops before their seventh week.
//
// Maintain sessions last 30 minutes: a session in that phase ends 30
// minutes after its start unless the runner placed it by hand. Their notes
// suggest hill sprints or strides for the week's next easy run (named by
// its date when days show one); a session never books a run.
//
// Return weeks. The 7 days after a race's recovery (Race.RecoveryTo) of 5
// days or more hold sessions at the deload volume with no plyometrics,
// marked Return.
//
// Letters. Sessions alternate A, B, A, B … in sequence across weeks, so a
// week with room for one session still covers every pattern over two weeks.
// The sequence runs in slot order (ISO week, then ordinal), which is date
// order except for a session the runner moved by hand: that one keeps the
// letter of its slot. It continues from the last session already written
// (a hand placement carrying its Variant: the destination reports the
// sessions before the window), so re-planning as the window moves on never
// reshuffles letters. With no such session the first one takes the letter
// its slot would have if every week from the anchor (Settings.Started, else
// a fixed epoch) had held exactly PerWeek sessions, which agrees with the
// earlier plan whenever the weeks that left the window held their target.
//
// Apart from the runner's week count (Settings.Started, else the first
// placement) a session's content depends only on its date, its slot, the
// races, the days and the settings. Prescribe is deterministic and does not
// modify its arguments; it returns one session per placement, in order.
func Prescribe(ps []Placement, races []Race, days []Day, s Settings, namespace string) []Session {
	goals := newGoalRaces(races)
	backs := newReturnWeeks(races)
	easy := newEasyRuns(days)
	mx := newMaxes(s)
	seq := rxSequence(ps, s)
	first := rxFirstWeek(ps, s)
	out := make([]Session, 0, len(ps))
	for i, p := range ps {
		r := newRx(p, goals, first, s.Level, seq[i], mx)
		r.back, r.isBack = backs.at(p.Date)
		r.easyRun, r.hasEasyRun = easy.after(p.Date)
		lines := r.lines()
		exs := make([]Exercise, len(lines))
		for j, l := range lines {
			exs[j] = l.ex
		}
		sess := Session{
			Placement: p,
			UID:       SessionUID(namespace, p.Week, p.Ordinal),
			Title:     r.title(),
			Phase:     r.phase,
			Variant:   r.variantName(),
			Return:    r.isBack,
			Exercises: exs,
			Notes:     r.notes(),
		}
		if short := p.Start.Add(rxMaintainMinutes * time.Minute); r.phase == PhaseSpecific && !p.Hand && sess.End.After(short) {
			sess.End = short
		}
		out = append(out, sess)
	}
	return out
}

// rxSequence gives each placement its place in the A/B sequence (see
// Prescribe): even is A, odd is B.
func rxSequence(ps []Placement, s Settings) []int {
	order := make([]int, len(ps))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		pa, pb := ps[a], ps[b]
		return cmp.Or(cmp.Compare(pa.Week, pb.Week), cmp.Compare(pa.Ordinal, pb.Ordinal), pa.Date.Sub(pb.Date))
	})
	anchor := rxEpochWeek()
	if !s.Started.IsZero() {
		anchor = s.Started.Monday()
	}
	seq := make([]int, len(ps))
	prev, known := 0, false
	for _, i := range order {
		p := ps[i]
		switch {
		case p.Variant == "A" || p.Variant == "B":
			seq[i] = int(p.Variant[0] - 'A')
		case known:
			seq[i] = prev + 1
		default:
			monday, ok := WeekMonday(p.Week)
			if !ok {
				monday = p.Date.Monday()
			}
			seq[i] = monday.Sub(anchor)/7*max(s.PerWeek, 1) + p.Ordinal - 1
		}
		prev, known = seq[i], true
	}
	return seq
}

// rxFirstWeek is the Monday of the runner's first week of sessions:
// Settings.Started, else the first placement (SPEC §5).
func rxFirstWeek(ps []Placement, s Settings) Date {
	if !s.Started.IsZero() {
		return s.Started.Monday()
	}
	var first Date
	for _, p := range ps {
		if first.IsZero() || p.Date.Before(first) {
			first = p.Date
		}
	}
	return first.Monday()
}

// rx is everything that decides one session's content.
type rx struct {
	phase   Phase
	variant int // 0 = A, 1 = B
	step    int // load step: 0–2 build weeks 1–3, 3 the lighter week
	// blockStep is the week of the block (0–3) that step derives from; they
	// differ only while a beginner eases into a new stage.
	blockStep int
	// block numbers the 4-week block (from the epoch, or back from the goal
	// race in its strength phase); it rotates session B's single-leg lift
	// so that it stays the same through a block.
	block    int
	hasGoal  bool
	goal     goalRace
	weeksOut int // whole ISO weeks to the goal race; meaningful with hasGoal
	ultra    bool
	level    Level
	stage    resistStage
	// week counts the runner's ISO weeks of sessions, from 1 (see
	// rxFirstWeek); base marks a week the base rule kept in the strength
	// phase although the goal race asked for another.
	week int
	base bool
	// isBack marks a session in the return week after back's recovery.
	back   Race
	isBack bool
	// easyRun is the date of the week's next easy run, for strides and
	// hill sprints.
	easyRun    Date
	hasEasyRun bool
	mx         maxes
}

// newRx works out phase, step, variant and stage for placement p; first is
// the Monday of the runner's first week and seq the place in the A/B
// sequence.
func newRx(p Placement, goals goalRaces, first Date, level Level, seq int, mx maxes) rx {
	epochWeek := p.Date.Monday().Sub(rxEpochWeek()) / 7
	r := rx{
		variant: rxMod(seq, 2),
		block:   rxDiv(epochWeek, rxBlockWeeks),
		level:   level,
		stage:   stageWeights,
		week:    max(1, p.Date.Monday().Sub(first)/7+1),
		mx:      mx,
	}
	if g, ok := goals.next(p.Date); ok {
		r.hasGoal, r.goal, r.ultra = true, g, g.km >= rxUltraMinKm
		r.weeksOut = g.Date.Monday().Sub(p.Date.Monday()) / 7
		switch {
		case r.weeksOut >= strengthFromWeeksOut:
			r.phase = PhaseStrength
			// Blocks count back from the race so that the last strength
			// week, 9 weeks out, is the heaviest build week and power
			// follows it; the lighter week comes before each build. The
			// phase stays strength.
			r.step = [rxBlockWeeks]int{2, 1, 0, 3}[rxMod(r.weeksOut-strengthFromWeeksOut, rxBlockWeeks)]
			r.block = rxDiv(r.weeksOut-strengthFromWeeksOut, rxBlockWeeks)
		case r.week <= rxBaseWeeks:
			// A runner new to the plan builds a base first: three build
			// weeks, whatever the race calendar says.
			r.phase, r.base, r.step = PhaseStrength, true, r.week-1
		case r.weeksOut >= powerFromWeeksOut:
			r.phase = PhasePower
		default:
			r.phase = PhaseSpecific
		}
	} else {
		r.step = rxMod(epochWeek, rxBlockWeeks)
		r.phase = PhaseStrength
		if r.step == rxBlockWeeks-1 {
			r.phase = PhaseDeload
		}
	}
	if level == Beginner {
		stageWeek := r.week - 9 // weeks since the current stage began
		switch {
		case r.week <= 4:
			r.stage, stageWeek = stageBodyweight, r.week-1
		case r.week <= 8:
			r.stage, stageWeek = stageBands, r.week-5
		}
		// A new stage opens at the first build step and climbs at most a
		// step a week ("don't go too hard too soon"); lighter weeks stay
		// where the block puts them.
		if r.step < rxBlockWeeks-1 {
			r.blockStep, r.step = r.step, min(r.step, stageWeek)
			return r
		}
	}
	r.blockStep = r.step
	return r
}

// jumps reports whether the session may hold jumps beyond low pogo hops.
func (r rx) jumps() bool { return r.level != Beginner || r.week >= rxBeginnerJumpWeek }

// rxLine is one exercise with the move behind it, so tests can check the
// patterns a session covers.
type rxLine struct {
	mv catalogMove
	ex Exercise
	// optional lines are the first to go when an ultra runner's strength
	// volume is lowered.
	optional bool
}

// lines assembles the session.
func (r rx) lines() []rxLine {
	var ls []rxLine
	switch {
	case r.phase == PhasePower:
		ls = r.power()
	case r.phase == PhaseSpecific && r.weeksOut == 0:
		ls = r.raceWeek()
	case r.phase == PhaseSpecific:
		ls = r.maintain()
	default:
		ls = r.strength()
	}
	switch {
	case r.isBack:
		// The return week's cut is deeper than an ultra's trim and
		// replaces it.
		ls = returnWeek(ls)
	case r.ultra && (r.phase == PhasePower || r.phase == PhaseSpecific):
		ls = trimForUltra(ls)
	}
	return ls
}

// returnWeek eases a session in the week after a long race recovery: the
// deload volume (about 60% of the sets) and no plyometrics, since landings
// load muscles and tendons that are still repairing (SPEC §4 "return").
func returnWeek(ls []rxLine) []rxLine {
	out := make([]rxLine, 0, len(ls))
	for _, l := range ls {
		if l.mv.pat&patPlyo != 0 {
			continue
		}
		l.ex.Sets = deloadSets(l.ex.Sets)
		out = append(out, l)
	}
	return out
}

// trimForUltra lowers strength volume as an ultra runner's running volume
// ramps up: one exercise fewer and one set fewer wherever there are three or
// more ("build a solid strength base initially and then decrease strength
// training volume as your running volume ramps up", Strength Training 101).
func trimForUltra(ls []rxLine) []rxLine {
	out := make([]rxLine, 0, len(ls))
	dropped := false
	for _, l := range ls {
		if l.optional && !dropped {
			dropped = true
			continue
		}
		if l.ex.Sets >= 3 {
			l.ex.Sets--
		}
		out = append(out, l)
	}
	return out
}

// Session bodies. Each follows the seeds: compound lifts first; in the
// strength phase one bilateral lift, one unilateral lift, one upper-body
// push or pull, calves and core (Strength Training Can Improve Running
// Performance; Strength Training 101), and across A and B the squat, hinge,
// push, pull and rotate patterns (How Strength Training Can Make You a
// Better Runner).

// strength is a strength-phase or deload session: a warm-up set, then 2–3
// working sets of 4–6 reps at 75–85% 1RM.
func (r rx) strength() []rxLine {
	var bil, uni, upper, calf, core catalogMove
	if r.variant == 0 {
		bil, uni, upper, calf, core = mvBackSquat, mvSingleLegRDL, mvPullUps, mvCalfRaise, mvPallofPress
	} else {
		bil = r.mx.pick(mvTrapBarDeadlift, mvDeadlift, mvHipThrust)
		uni = unilateralRotation[rxMod(r.block, len(unilateralRotation))]
		upper = r.mx.pick(mvBenchPress, mvOverheadPress)
		calf, core = mvSingleLegCalfRaise, mvSidePlank
	}
	pct := r.percent(r.step)
	ls := []rxLine{
		r.lift(bil, r.workSets(true), "4-6", r.step, r.mx.percent(bil, pct), "warm-up set first"),
		r.lift(uni, r.workSets(false), "4-6", r.step, r.rpeOrPercent(uni, pct), "warm-up set first"),
	}
	if upper.pat&patPull != 0 {
		ls = append(ls, r.lift(upper, r.workSets(false), "4-6", r.step, "bodyweight",
			"band-assisted if fewer than 4; add weight once 6 are easy"))
	} else {
		ls = append(ls, r.lift(upper, r.workSets(false), "4-6", r.step, r.mx.percent(upper, pct), "warm-up set first"))
	}
	return append(ls,
		r.lift(calf, r.workSets(false), "8-10", r.step, rxRPE[r.step], "slow down, pause at the top"),
		r.core(core, r.lighter(2)),
	)
}

// power is a power-phase session: the heavy lift kept at lower volume, then
// plyometrics and explosive lifts (Denadai et al. via "the importance of
// strength training": explosive and heavy training both improve economy).
// A beginner before their seventh week hops low instead of jumping.
func (r rx) power() []rxLine {
	plyo := 3
	if r.level == Beginner {
		plyo = 2
	}
	top := rxBlockWeeks - 2 // the heaviest build step
	heavyPct := r.percent(top)
	swing := r.lift(mvKettlebellSwing, plyo, "8", top, rxRPE[0], "snap the hips")
	if r.stage == stageBodyweight {
		swing = r.plain(mvKettlebellSwing, plyo, "5", "bodyweight", "snap the hips")
	}
	if r.variant == 0 {
		ls := []rxLine{r.lift(mvBackSquat, 2, "3-5", top, r.mx.percent(mvBackSquat, heavyPct), "warm-up set first; fast up")}
		if r.jumps() {
			ls = append(ls, r.opt(r.plain(mvJumpSquat, plyo, "5", "bodyweight", "land softly, rebound fast")))
		}
		return append(ls,
			r.pogo(plyo, "20"),
			swing,
			r.lift(mvPullUps, 2, "4-6", top, "bodyweight", "band-assisted if fewer than 4"),
			r.core(mvPallofPress, 2),
		)
	}
	hinge := r.mx.pick(mvTrapBarDeadlift, mvDeadlift, mvHipThrust)
	uni := mvSplitSquat // the single-leg lift of the last strength block, kept through power
	ls := []rxLine{
		r.lift(hinge, 2, "3-5", top, r.mx.percent(hinge, heavyPct), "warm-up set first; fast up"),
		r.opt(r.lift(uni, 2, "4-6", top, r.rpeOrPercent(uni, r.percent(1)), "")),
	}
	if r.jumps() {
		ls = append(ls,
			r.plain(mvBoxJumps, plyo, "5", "bodyweight", "step down, don't jump down"),
			r.plain(mvBounding, plyo, "20 m", "bodyweight", "tall and springy; walk back"))
	} else {
		ls = append(ls, r.pogo(plyo, "20"))
	}
	return append(ls,
		r.plain(mvMedBallPass, plyo, "5", r.ball(), "explode; full rest"),
		r.plain(mvMedBallThrow, 2, "5", r.ball(), ""),
	)
}

// pogo is the pogo hops line of reps ground contacts: low hops for a
// beginner who does not jump yet.
func (r rx) pogo(sets int, reps string) rxLine {
	if !r.jumps() {
		return r.plain(mvPogoJumps, sets, reps, "bodyweight", "low hops, quick and quiet; stop when they get loud")
	}
	return r.plain(mvPogoJumps, sets, reps, "bodyweight", "ground contacts; quick, stiff ankles")
}

// maintain is a running-specific session of about 30 minutes: drills, a few
// low-volume jumps, one maintenance lift and short core ("Translate to
// Running – incorporate sprinting and speed drills"). The sprints belong in
// a run, so the notes put hill sprints or strides in the week's next easy
// run instead of booking a second run here.
func (r rx) maintain() []rxLine {
	lift, plyo, core := mvBackSquat, r.pogo(2, "10"), r.core(mvDeadBug, 2)
	if r.variant == 1 {
		lift = r.mx.pick(mvTrapBarDeadlift, mvDeadlift, mvHipThrust)
		if r.jumps() {
			plyo = r.plain(mvBoxJumps, 2, "3", "bodyweight", "step down, don't jump down")
		}
		core = r.core(mvSidePlank, 2)
	}
	return []rxLine{
		r.opt(r.plain(mvDrills, 2, "20 m", "easy", "each drill")),
		plyo,
		r.lift(lift, 2, "3", rxBlockWeeks-2, r.mx.percent(lift, r.percent(1)), "warm-up set first; stop well short of failure"),
		core,
	}
}

// raceWeek is the minimal session of a race week, for the rare plan whose
// taper setting allows one: stay sharp, gain nothing, risk nothing.
func (r rx) raceWeek() []rxLine {
	lift := mvBackSquat
	if r.variant == 1 {
		lift = r.mx.pick(mvTrapBarDeadlift, mvDeadlift, mvHipThrust)
	}
	return []rxLine{
		r.opt(r.plain(mvDrills, 1, "20 m", "easy", "each drill")),
		r.plain(mvPogoJumps, 1, "10", "bodyweight", "low hops, quick and quiet"),
		r.lift(lift, 1, "3", 0, r.mx.percent(lift, r.percent(0)-5), "light: just a reminder"),
		r.core(mvDeadBug, 1),
	}
}

// Dosing.

// workSets is the number of working sets in the strength phase: two for
// everyone ("a warm up set and around 2 x hard working sets"), three on the
// bilateral lift for intermediates and on every lift for advanced lifters
// ("more than 3 sets shows a small benefit to hypertrophy but more muscle
// damage"), about 60% of that in a lighter week.
func (r rx) workSets(main bool) int {
	n := 2
	if r.level == Advanced || (r.level == Intermediate && main) {
		n = 3
	}
	return r.lighter(n)
}

// lighter cuts n sets to about 60% in a lighter week.
func (r rx) lighter(n int) int {
	if r.step != rxBlockWeeks-1 {
		return n
	}
	return deloadSets(n)
}

// deloadSets is about 60% of n sets, never below one.
func deloadSets(n int) int { return max(1, int(math.Round(float64(n)*rxLight))) }

// percent is the share of 1RM for a build step at the runner's level.
func (r rx) percent(step int) int {
	if r.level == Beginner {
		return rxBeginnerPercent[step]
	}
	return rxPercent[step]
}

// rpeOrPercent loads a dumbbell or single-leg lift by effort, or in kg when
// the runner gave a max for it.
func (r rx) rpeOrPercent(mv catalogMove, pct int) string {
	if r.mx.has(mv) {
		return r.mx.percent(mv, pct)
	}
	return rxRPE[r.step]
}

// lift is a resisted exercise. The weights* arguments apply once the runner
// lifts; before that the stage decides: bands at higher reps, or body weight
// with reps that grow over the block (low load and high reps first, then
// "gradually increasing the weight as you decrease your reps", Strength
// Training 101).
func (r rx) lift(mv catalogMove, sets int, weightsReps string, step int, weightsLoad, weightsNotes string) rxLine {
	switch {
	case r.stage == stageBands && mv.pat&patCalf != 0:
		// Calf raises need no band: body weight on one or two legs is load
		// enough until the weights come.
		return r.plain(mv, sets, rxBodyweightReps[step], "bodyweight", "")
	case r.stage == stageBands:
		return r.plain(mv, sets, "8-12", rxBand[step], "")
	case r.stage == stageBodyweight:
		return r.plain(mv, sets, rxBodyweightReps[step], "bodyweight", "")
	}
	return r.plain(mv, sets, weightsReps, weightsLoad, weightsNotes)
}

// core is the short trunk work that ends every session.
func (r rx) core(mv catalogMove, sets int) rxLine {
	reps, load := "8", "bodyweight"
	switch {
	case mv == mvPallofPress && r.stage != stageBodyweight:
		load = "light band"
	case mv == mvSidePlank:
		reps = "30 s"
	}
	return r.plain(mv, sets, reps, load, "")
}

// ball is the load of a med-ball throw.
func (r rx) ball() string {
	if r.stage == stageBodyweight {
		return "bodyweight"
	}
	return "3-5 kg med ball"
}

// plain is an exercise as given, with the move's side added to its notes.
func (r rx) plain(mv catalogMove, sets int, reps, load, notes string) rxLine {
	if mv.side != "" {
		if notes != "" {
			notes += "; "
		}
		notes += mv.side
	}
	return rxLine{mv: mv, ex: Exercise{Name: mv.name(r.stage), Sets: sets, Reps: reps, Load: load, Notes: notes}}
}

// opt marks a line as the one an ultra runner drops.
func (r rx) opt(l rxLine) rxLine {
	l.optional = true
	return l
}

// Words for the calendar.

func (r rx) variantName() string { return [2]string{"A", "B"}[r.variant] }

// title is short enough for a calendar cell: "Strength A · squat, hinge, pull".
func (r rx) title() string {
	focus := [2]string{"squat, hinge, pull", "hinge, squat, push"}[r.variant]
	switch {
	case r.phase == PhaseDeload:
		focus = "deload"
	case r.phase == PhasePower:
		focus = "power"
	case r.phase == PhaseSpecific && r.weeksOut == 0:
		focus = "race week"
	case r.phase == PhaseSpecific:
		focus = "maintain"
	case r.isBack:
	case r.step == rxBlockWeeks-1:
		focus += " (light)"
	}
	if r.isBack {
		focus += " (return week)"
	}
	return "Strength " + r.variantName() + " · " + focus
}

// notes is one line on the purpose of the session and one on where it sits:
// weeks to the goal race, the block, a beginner's stage, an ultra's trim.
func (r rx) notes() string {
	var purpose string
	switch {
	case r.phase == PhaseDeload:
		purpose = "Deload week: about 60% of the usual sets at a slightly lighter load, so the next block starts fresh."
	case r.phase == PhaseStrength && r.step == rxBlockWeeks-1:
		purpose = "Strength phase, lighter week: about 60% of the usual sets, so the next build starts fresh."
	case r.phase == PhaseStrength:
		purpose = fmt.Sprintf("Build week %d of 3: ", r.blockStep+1)
		switch {
		case r.base:
			purpose = fmt.Sprintf("Base week %d of 3, strength before power: ", r.blockStep+1)
		case r.hasGoal:
			purpose = "Strength phase, b" + purpose[1:]
		}
		switch r.stage {
		case stageWeights:
			purpose += fmt.Sprintf("heavy and low reps at %d%% 1RM; compound lifts first, stop with a rep in reserve.", r.percent(r.step))
		case stageBands:
			purpose += fmt.Sprintf("8-12 reps with a %s; move well and control every rep.", rxBand[r.step])
		default:
			purpose += fmt.Sprintf("%s reps with body weight; move well and control every rep.", rxBodyweightReps[r.step])
		}
		if r.step < r.blockStep {
			purpose = strings.TrimSuffix(purpose, ".") + "; a new stage starts light."
		}
	case r.phase == PhasePower && !r.jumps():
		purpose = fmt.Sprintf("Power phase: one heavy lift at low volume, then low pogo hops and fast throws (bigger jumps from week %d); full rest, quality over fatigue.", rxBeginnerJumpWeek)
	case r.phase == PhasePower:
		purpose = "Power phase: one heavy lift at low volume, then fast jumps and throws; full rest, quality over fatigue."
	case r.weeksOut == 0:
		purpose = "Race week: a short primer to stay sharp; skip it if your legs feel heavy. " + r.inRun("4 × 80 m strides (fast, relaxed; walk back)")
	case r.variant == 0:
		purpose = "Running-specific phase: a short session (about 30 min) of drills, a few low jumps and one maintenance lift, to stay sharp without soreness. " +
			r.inRun(fmt.Sprintf("%d × 8-10 s hill sprints (all-out up a steep hill; walk back down)", r.sprints()))
	default:
		purpose = "Running-specific phase: a short session (about 30 min) of drills, a few low jumps and one maintenance lift, to stay sharp without soreness. " +
			r.inRun(fmt.Sprintf("%d × 80 m strides (fast, relaxed; walk back)", r.sprints()))
	}
	if r.isBack {
		purpose = fmt.Sprintf("Return week after %s (%s phase): about 60%% of the usual sets and no jumps while your legs recover from the race.",
			rxRaceName(r.back.Summary, "your race"), r.phase)
	}
	var where []string
	if r.hasGoal {
		where = append(where, fmt.Sprintf("weeks to %s: %d", r.goalName(), r.weeksOut))
	} else {
		where = append(where, fmt.Sprintf("no goal race: block week %d of 4", r.blockStep+1))
	}
	if r.ultra {
		if r.phase == PhaseStrength {
			where = append(where, "ultra: build strength now, volume drops as your mileage ramps up")
		} else {
			where = append(where, "ultra: strength volume trimmed while your mileage ramps up")
		}
	}
	switch r.stage {
	case stageBodyweight:
		where = append(where, fmt.Sprintf("beginner week %d: body weight (bands from week 5, weights from week 9)", r.week))
	case stageBands:
		where = append(where, fmt.Sprintf("beginner week %d: bands (weights from week 9)", r.week))
	}
	line := strings.Join(where, "; ")
	return purpose + "\n" + strings.ToUpper(line[:1]) + line[1:] + "."
}

// goalName is the goal race's name as the runner wrote it.
func (r rx) goalName() string { return rxRaceName(r.goal.Summary, "goal race") }

// rxRaceName is a race's name as the runner wrote it, or def when it has none.
func rxRaceName(summary, def string) string {
	if n := strings.Join(strings.Fields(summary), " "); n != "" {
		return n
	}
	return def
}

// sprints is the number of hill sprints or strides suggested for a run.
func (r rx) sprints() int {
	if r.level == Beginner {
		return 4
	}
	return 6
}

// inRun suggests running work for the week's next easy run, named by its
// date when the calendar shows one: strides and hill sprints are part of a
// run, and a strength session never books a second one.
func (r rx) inRun(what string) string {
	run := "your next easy run"
	if r.hasEasyRun {
		run = "your easy run on " + r.easyRun.Short()
	}
	return "Strides and hill sprints belong in a run, not here: add " + what + " near the end of " + run + "."
}

// rxMod is the non-negative remainder, so weeks before the epoch still fall
// into blocks of four.
func rxMod(a, b int) int { return ((a % b) + b) % b }

// rxDiv is floor division, matching rxMod.
func rxDiv(a, b int) int { return (a - rxMod(a, b)) / b }

package rules

import (
	"slices"
	"strings"
)

// movePattern tags what a movement trains. Sessions are assembled so that each
// covers squat, hinge, push or pull, calf and core, and the two variants
// together cover squat, hinge, push, pull and rotate (the "key movement
// patterns" of the strength-to-power-to-running article). The tags are
// internal: tests use them to check coverage, runners see names.
type movePattern uint16

// Patterns. A move may carry several.
const (
	patSquat      movePattern = 1 << iota // knee-dominant: squats, split squats, step-ups, lunges
	patHinge                              // hip-dominant posterior chain: deadlifts, hip thrusts, swings
	patPush                               // upper-body push
	patPull                               // upper-body pull
	patRotate                             // rotation and anti-rotation
	patCore                               // trunk stability
	patCalf                               // calf and ankle stiffness
	patPlyo                               // jumps and bounds
	patExplosive                          // fast, loaded or thrown
	patRunning                            // running drills
	patBilateral                          // both legs together: triple extension
	patUnilateral                         // one leg at a time: balance, imbalances
)

// resistStage is the resistance a session uses. Beginners move from body weight to
// bands to weights ("start with body weight exercises ... introduce more
// resistance with resistance bands before picking up weights", Strength
// Training 101); intermediate and advanced runners always lift.
type resistStage int

// Stages, indexing catalogMove.names.
const (
	stageWeights resistStage = iota
	stageBands
	stageBodyweight
)

// String names the stage for notes.
func (s resistStage) String() string {
	switch s {
	case stageBands:
		return "bands"
	case stageBodyweight:
		return "body weight"
	}
	return "weights"
}

// catalogMove is one exercise of the catalogue. The same slot of a session shows a
// different name at each stage, e.g. back squat → banded squat → body-weight
// squat, so a beginner's sessions keep their shape while the resistance grows.
type catalogMove struct {
	names [3]string // indexed by stage
	// lift is the normalised key (see normLift) under which a runner's 5RM or
	// 1RM for this exercise is looked up; "" when loads are never in kg.
	lift string
	pat  movePattern
	// side is added to the notes of one-sided work: "each leg", "each side".
	side string
}

// Lifts lists, by their usual names, the lifts a 5RM or 1RM turns into
// loads in kg. A max for any other name would change nothing.
func Lifts() []string {
	var out []string
	for _, mv := range []catalogMove{mvBackSquat, mvTrapBarDeadlift, mvDeadlift, mvHipThrust, mvSingleLegRDL,
		mvSplitSquat, mvStepUp, mvReverseLunge, mvBenchPress, mvOverheadPress} {
		out = append(out, strings.ToLower(mv.names[0][:1])+mv.names[0][1:])
	}
	slices.SortFunc(out, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	return out
}

// IsLift reports whether a 5RM or 1RM for name changes any load; case,
// hyphens and extra spaces do not matter ("Trap-bar deadlift").
func IsLift(name string) bool {
	for _, l := range Lifts() {
		if normLift(l) == normLift(name) {
			return true
		}
	}
	return false
}

// name returns the move's name at stage st.
func (m catalogMove) name(st resistStage) string { return m.names[st] }

// sameNames builds the names of a move that looks the same at every stage.
func sameNames(n string) [3]string { return [3]string{n, n, n} }

// The catalogue. These are immutable tables: nothing writes to them.
var (
	// Bilateral lifts: triple extension like running (Strength Training Can
	// Improve Running Performance: back squats, deadlifts, hip thrusters;
	// the importance of strength training: back squats, trap-bar deadlifts).
	mvBackSquat       = catalogMove{[3]string{"Back squat", "Banded squat", "Body-weight squat"}, "back squat", patSquat | patBilateral, ""}
	mvTrapBarDeadlift = catalogMove{[3]string{"Trap-bar deadlift", "Banded hip thrust", "Glute bridge"}, "trap bar deadlift", patHinge | patBilateral, ""}
	mvDeadlift        = catalogMove{[3]string{"Deadlift", "Banded hip thrust", "Glute bridge"}, "deadlift", patHinge | patBilateral, ""}
	mvHipThrust       = catalogMove{[3]string{"Hip thrust", "Banded hip thrust", "Glute bridge"}, "hip thrust", patHinge | patBilateral, ""}

	// Unilateral lifts: replicate the stride, correct imbalances. The seeds'
	// examples (split squats, step-ups, reverse lunges) are all
	// knee-dominant, so session A, whose bilateral lift is a squat, takes a
	// single-leg hinge to keep the posterior chain in every session
	// (Strength Training For Runners: "posterior dominant" work first).
	mvSingleLegRDL = catalogMove{sameNames("Single-leg Romanian deadlift"), "single leg romanian deadlift", patHinge | patUnilateral, "each leg"}
	mvSplitSquat   = catalogMove{sameNames("Split squat"), "split squat", patSquat | patUnilateral, "each leg"}
	mvStepUp       = catalogMove{sameNames("Step-up"), "step up", patSquat | patUnilateral, "each leg"}
	mvReverseLunge = catalogMove{sameNames("Reverse lunge"), "reverse lunge", patSquat | patUnilateral, "each leg"}

	// Upper body: posture and arm swing when tired.
	mvPullUps       = catalogMove{[3]string{"Pull-ups", "Band rows", "Inverted rows"}, "", patPull, ""}
	mvBenchPress    = catalogMove{[3]string{"Bench press", "Band chest press", "Push-ups"}, "bench press", patPush, ""}
	mvOverheadPress = catalogMove{[3]string{"Overhead press", "Band overhead press", "Pike push-ups"}, "overhead press", patPush, ""}

	// Calves and core ("don't forget your core", Strength Training 101).
	mvCalfRaise          = catalogMove{sameNames("Standing calf raise"), "", patCalf | patBilateral, ""}
	mvSingleLegCalfRaise = catalogMove{sameNames("Single-leg calf raise"), "", patCalf | patUnilateral, "each leg"}
	mvPallofPress        = catalogMove{[3]string{"Pallof press", "Pallof press", "Bird dog"}, "", patRotate | patCore, "each side"}
	mvSidePlank          = catalogMove{sameNames("Side plank"), "", patCore, "each side"}
	mvDeadBug            = catalogMove{sameNames("Dead bug"), "", patCore, "each side"}

	// Power: plyometrics and explosive lifts.
	mvJumpSquat       = catalogMove{sameNames("Jump squat"), "", patSquat | patPlyo | patExplosive, ""}
	mvKettlebellSwing = catalogMove{[3]string{"Kettlebell swing", "Band pull-through", "Fast glute bridge"}, "", patHinge | patExplosive, ""}
	mvPogoJumps       = catalogMove{sameNames("Pogo jumps"), "", patCalf | patPlyo, ""}
	mvBoxJumps        = catalogMove{[3]string{"Box jumps", "Low box jumps", "Low box jumps"}, "", patSquat | patPlyo, ""}
	mvBounding        = catalogMove{[3]string{"Bounding", "Skipping for height", "Skipping for height"}, "", patCalf | patPlyo | patUnilateral, ""}
	mvMedBallPass     = catalogMove{[3]string{"Med-ball chest pass", "Med-ball chest pass", "Fast push-ups"}, "", patPush | patExplosive, ""}
	mvMedBallThrow    = catalogMove{[3]string{"Med-ball rotational throw", "Med-ball rotational throw", "Russian twist"}, "", patRotate | patCore | patExplosive, "each side"}

	// Running-specific: translate strength into the stride. Drills are done
	// on the spot or over a few metres of gym floor; strides and hill
	// sprints are run, so they go into a run, never into a session.
	mvDrills = catalogMove{sameNames("Running drills (A-skips, B-skips, high knees)"), "", patRunning, ""}
)

// unilateralRotation is the knee-dominant single-leg lift of session B, one
// per 4-week block, so all three of the seeds' examples come round in turn.
var unilateralRotation = [...]catalogMove{mvSplitSquat, mvStepUp, mvReverseLunge}

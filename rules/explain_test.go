package rules_test

import (
	"slices"
	"testing"

	"github.com/strengthsync/strengthsync/rules"
)

// TestExplainHand: a session the runner moved is explained as theirs, and
// a session that made room for it names the move.
func TestExplainHand(t *testing.T) {
	prev := rules.Snapshot{Start: "2026-03-02", Weeks: 1, Sessions: []rules.SnapSession{
		{UID: "a", Title: "Strength A · hinge", Date: "2026-03-03"},
		{UID: "b", Title: "Strength B · squat", Date: "2026-03-05"},
	}}
	next := rules.Snapshot{Start: "2026-03-02", Weeks: 1, Sessions: []rules.SnapSession{
		{UID: "a", Title: "Strength A · hinge", Date: "2026-03-04", Hand: true},
		{UID: "b", Title: "Strength B · squat", Date: "2026-03-06"},
	}}
	var got []string
	for _, e := range rules.Explain(prev, &next) {
		got = append(got, e.Text)
	}
	want := []string{
		"Strength A moved Tue 3 → Wed 4 Mar: you moved it by hand",
		"Strength B moved Thu 5 → Fri 6 Mar: you moved Strength A from Tue 3 to Wed 4 Mar",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if next.Sessions[1].Note != "Moved from Thu 5 Mar: you moved Strength A from Tue 3 to Wed 4 Mar." {
		t.Errorf("note %q", next.Sessions[1].Note)
	}
}

// TestExplainWindowMoves: as time passes the window slides; the weeks that
// leave it and the week that enters it are no change.
func TestExplainWindowMoves(t *testing.T) {
	prev := rules.Snapshot{Start: "2026-03-02", Weeks: 2, Sessions: []rules.SnapSession{
		{UID: "w10", Title: "Strength A", Date: "2026-03-03"}, {UID: "w11", Title: "Strength B", Date: "2026-03-10"}}}
	next := rules.Snapshot{Start: "2026-03-09", Weeks: 2, Sessions: []rules.SnapSession{
		{UID: "w11", Title: "Strength B", Date: "2026-03-10"}, {UID: "w12", Title: "Strength A", Date: "2026-03-17"}}}
	if got := rules.Explain(prev, &next); len(got) != 0 {
		t.Errorf("a sliding window explained %+v", got)
	}
}

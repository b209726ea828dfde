package release

import (
	"testing"
	"time"
)

func TestEffectiveStatus(t *testing.T) {
	start := time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)
	end := start.Add(24 * time.Hour)
	before, during, after := start.Add(-time.Minute), start.Add(time.Hour), end
	tests := []struct {
		stored string
		at     time.Time
		want   string
		live   bool
	}{
		{StatusPending, before, StatusPending, true},
		{StatusPending, during, StatusPending, true},
		{StatusPending, after, StatusFailed, false},
		{StatusApproved, before, StatusNotStarted, true},
		{StatusApproved, during, StatusInProgress, true},
		{StatusApproved, after, StatusCompleted, false},
		{StatusRejected, during, StatusRejected, false},
		{StatusClosed, during, StatusCompleted, false},
	}
	for _, tt := range tests {
		r := &Release{Status: tt.stored, Start: start, End: end}
		if got := r.Effective(tt.at); got != tt.want || r.Live(tt.at) != tt.live {
			t.Errorf("%s at %s: %s live=%v, want %s live=%v", tt.stored, tt.at, got, r.Live(tt.at), tt.want, tt.live)
		}
	}
}

func TestCreateRequestValidation(t *testing.T) {
	start := time.Now()
	ok := CreateRequest{Name: "v1", Type: TypeOnline, Keypairs: []string{"k"}, Start: start, End: start.Add(time.Hour), MaxSignatures: 1}
	if err := ok.normalize(); err != nil || ok.Category != CategoryStandard {
		t.Fatalf("valid request: %v (category %q)", err, ok.Category)
	}
	for name, mod := range map[string]func(*CreateRequest){
		"no name":        func(r *CreateRequest) { r.Name = " " },
		"bad type":       func(r *CreateRequest) { r.Type = "weekly" },
		"bad category":   func(r *CreateRequest) { r.Category = "npm" },
		"no keypairs":    func(r *CreateRequest) { r.Keypairs = nil },
		"end first":      func(r *CreateRequest) { r.End = r.Start.Add(-time.Second) },
		"no window":      func(r *CreateRequest) { r.Start = time.Time{} },
		"too long":       func(r *CreateRequest) { r.End = r.Start.Add(MaxWindow + time.Hour) },
		"zero budget":    func(r *CreateRequest) { r.MaxSignatures = 0 },
		"negative limit": func(r *CreateRequest) { r.MaxSignatures = -5 },
	} {
		r := ok
		r.Category = ""
		mod(&r)
		if err := r.normalize(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

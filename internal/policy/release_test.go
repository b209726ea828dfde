package policy

import (
	"strings"
	"testing"
)

// TestReleaseMessagesName: refusals name the release as people know it,
// by its name (its id only when it has none).
func TestReleaseMessagesName(t *testing.T) {
	dev := Principal{UserID: "dev", Name: "dev", Roles: []string{RoleDeveloper}, SecondFactor: true}
	offline := &Keypair{State: "active", Status: "offline", Access: "open"}
	for _, status := range []string{"pending", "not_started", "completed", "in_progress"} {
		rel := &Release{ID: "0199-uuid", Name: "Android 4.2", Status: status, Participant: status != "in_progress"}
		d := Authorize(dev, Request{Action: Sign, Keypair: offline, Release: rel}, now)
		if d.Allow || !strings.Contains(d.Reason, `Android 4.2`) || strings.Contains(d.Reason, rel.ID) {
			t.Errorf("%s: %+v", status, d)
		}
	}
	d := Authorize(dev, Request{Action: Sign, Keypair: offline, Release: &Release{ID: "0199-uuid", Status: "pending"}}, now)
	if !strings.Contains(d.Reason, "0199-uuid") {
		t.Errorf("a release without a name: %+v", d)
	}
}

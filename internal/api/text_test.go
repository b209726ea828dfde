package api_test

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/server/servertest"
)

// TestControlCharactersRefused: a NUL or another control character (or a
// byte that is not UTF-8) in a keypair ref, a query value or the free text
// of a release is refused with a 400 naming the field, on each store alike
// (PostgreSQL refuses NUL in text with an error of its own; SQLite would
// keep it).
func TestControlCharactersRefused(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, store servertest.Option) {
		env := servertest.Start(t, store)
		lead, approver := env.Lead, env.NewUser(t, "approver", "lead")
		generate(t, env, lead, map[string]any{"alias": "ab", "algorithm": "ecdsa", "status": "offline"})
		d := sha256.Sum256([]byte("x"))
		sign := map[string]any{"sig_alg": "SHA256withECDSA", "hash": d[:]}
		start, end := window(time.Now())
		release := func(name, version, note string) map[string]any {
			return map[string]any{"name": name, "version": version, "note": note, "type": "offline", "keypairs": []string{"ab"},
				"start": start, "end": end, "max_signatures": 5}
		}
		rel := createRelease(t, env, lead, release("v1", "1.0", "first line\nsecond line"), 201)
		for _, c := range []struct {
			name, method, path string
			body               any
			code               string
		}{
			{"sign NUL", "POST", "/api/v1/keypairs/a%00b/sign", sign, "invalid_ref"},
			{"sign newline", "POST", "/api/v1/keypairs/a%0Ab/sign-batch", map[string]any{"sig_alg": "SHA256withECDSA", "items": []any{map[string]any{"hash": d[:]}}}, "invalid_ref"},
			{"sign bad UTF-8", "POST", "/api/v1/keypairs/a%FFb/sign", sign, "invalid_ref"},
			{"describe NUL", "GET", "/api/v1/keypairs/a%00b", nil, "invalid_ref"},
			{"release id NUL", "GET", "/api/v1/releases/a%00b", nil, "invalid_id"},
			{"log filter NUL", "GET", "/api/v1/logs/signatures?keypair=a%00b", nil, "invalid_keypair"},
			{"keypair alias filter NUL", "GET", "/api/v1/keypairs?alias=a%00", nil, "invalid_alias"},
			{"release name NUL", "POST", "/api/v1/releases", release("v\x002", "", ""), "invalid_name"},
			{"release version NUL", "POST", "/api/v1/releases", release("v2", "1\x00", ""), "invalid_version"},
			{"release note NUL", "POST", "/api/v1/releases", release("v2", "", "a\x00b"), "invalid_note"},
			{"release note escape", "POST", "/api/v1/releases", release("v2", "", "a\x1b[2Jb"), "invalid_note"},
			{"release keypair NUL", "POST", "/api/v1/releases", map[string]any{"name": "v2", "type": "offline", "keypairs": []string{"a\x00b"},
				"start": start, "end": end, "max_signatures": 5}, "invalid_keypairs"},
			{"release participant NUL", "POST", "/api/v1/releases", map[string]any{"name": "v2", "type": "offline", "keypairs": []string{"ab"},
				"participants": []string{"a\x00b"}, "start": start, "end": end, "max_signatures": 5}, "invalid_participants"},
			{"edit name NUL", "PATCH", "/api/v1/releases/" + rel.ID, map[string]any{"name": "v\x001"}, "invalid_name"},
			{"edit note NUL", "PATCH", "/api/v1/releases/" + rel.ID, map[string]any{"note": "\x00"}, "invalid_note"},
			{"approval comment NUL", "POST", "/api/v1/releases/" + rel.ID + "/approve", map[string]any{"comment": "ok\x00"}, "invalid_comment"},
			{"rejection comment NUL", "POST", "/api/v1/releases/" + rel.ID + "/reject", map[string]any{"comment": "\x00no"}, "invalid_comment"},
		} {
			u := lead
			if c.method == "POST" && (c.path == "/api/v1/releases/"+rel.ID+"/approve" || c.path == "/api/v1/releases/"+rel.ID+"/reject") {
				u = approver
			}
			if r := env.Do(t, u, c.method, c.path, c.body); r.Status != 400 || r.Code() != c.code {
				t.Errorf("%s: got %s, want 400 %s", c.name, r, c.code)
			}
		}
		// A note or comment may span lines; the release is as it was.
		var got releaseFull
		env.MustDo(t, approver, "POST", "/api/v1/releases/"+rel.ID+"/approve", map[string]any{"comment": "fine\n\tby me"}, 200).JSON(t, &got)
		if got.Name != "v1" || got.Note != "first line\nsecond line" || len(got.Approvals) != 1 {
			t.Fatalf("release after the refusals: %+v", got)
		}
		// Windows line ends pass; an edit of other fields does not check
		// the note it does not send.
		generate(t, env, lead, map[string]any{"alias": "cd", "algorithm": "ecdsa", "status": "offline"})
		body := release("v3", "", "one\r\ntwo")
		body["keypairs"] = []string{"cd"}
		crlf := createRelease(t, env, lead, body, 201)
		env.MustDo(t, lead, "PATCH", "/api/v1/releases/"+crlf.ID, map[string]any{"max_signatures": 6}, 200)
	})
}

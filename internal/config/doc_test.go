package config

import (
	"os"
	"strings"
	"testing"
)

// TestDocumentedExample parses the YAML example of docs/configuration.md,
// so the documentation cannot name a key the parser refuses.
func TestDocumentedExample(t *testing.T) {
	b, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	start := strings.Index(doc, "```yaml\n")
	if start < 0 {
		t.Fatal("docs/configuration.md has no yaml example")
	}
	body := doc[start+len("```yaml\n"):]
	body = body[:strings.Index(body, "```")]
	c, err := Parse([]byte(body))
	if err != nil {
		t.Fatalf("the documented example does not parse: %v", err)
	}
	if len(c.PKI.TimestampURLs) == 0 || c.PKI.TimestampRoots == "" || c.PKI.TSAPolicy == "" || len(c.Notify.Webhooks) == 0 {
		t.Errorf("the example lost sections on the way: %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("the documented example is invalid: %v", err)
	}
}

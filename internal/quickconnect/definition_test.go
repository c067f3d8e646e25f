package quickconnect

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDocsDefinitionsParse parses the yaml blocks of docs/quickconnect.md's
// Connections section as connection definitions.
func TestDocsDefinitionsParse(t *testing.T) {
	doc, err := os.ReadFile("../../docs/quickconnect.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	i := strings.Index(text, "\n## Connections")
	j := strings.Index(text[i+1:], "\n## ")
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(text[i:i+1+j], -1)
	if len(blocks) == 0 {
		t.Fatal("no yaml block in the Connections section")
	}
	t.Setenv("ERP_DSN", "postgres://erp@db/erp")
	for _, b := range blocks {
		if _, err := ParseDefinition([]byte(b[1]), time.UTC); err != nil {
			t.Errorf("does not parse: %v\n%s", err, b[1])
		}
	}
}

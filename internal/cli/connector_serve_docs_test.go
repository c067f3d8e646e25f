package cli

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestFunctionModeDocs checks the Azure Functions example in docs/connector.md:
// every file is valid JSON, host.json starts "trestle connector serve" with the
// timer off and forwards HTTP requests, and the functions' paths are ones the
// handler serves (/api/<route> for the HTTP trigger, /<folder> for the timer).
func TestFunctionModeDocs(t *testing.T) {
	raw, err := os.ReadFile("../../docs/connector.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	i := strings.Index(doc, "### Function mode")
	if i < 0 {
		t.Fatal("docs/connector.md has no Function mode section")
	}
	section := doc[i:]
	section = section[:strings.Index(section, "\n## ")]
	files := map[string]string{}
	re := regexp.MustCompile("(?s)`([a-z/.]+\\.json)`[^`]*?:\\s*\\n\\n```json\\n(.*?)```")
	for _, m := range re.FindAllStringSubmatch(section, -1) {
		files[m[1]] = m[2]
	}
	for _, name := range []string{"host.json", "sync/function.json", "timer/function.json"} {
		if files[name] == "" {
			t.Fatalf("the section has no %s block (found %v)", name, files)
		}
	}
	var host struct {
		CustomHandler struct {
			Description struct {
				Path string   `json:"defaultExecutablePath"`
				Args []string `json:"arguments"`
			} `json:"description"`
			Forward bool `json:"enableForwardingHttpRequest"`
		} `json:"customHandler"`
	}
	if err := json.Unmarshal([]byte(files["host.json"]), &host); err != nil {
		t.Fatalf("host.json: %v", err)
	}
	args := strings.Join(host.CustomHandler.Description.Args, " ")
	if host.CustomHandler.Description.Path != "trestle" || !strings.HasPrefix(args, "connector serve") || !strings.Contains(args, "--every off") || !host.CustomHandler.Forward {
		t.Fatalf("host.json custom handler: %+v", host.CustomHandler)
	}
	// The arguments are ones connector serve accepts.
	cmd := newConnectorServeCmd(&globals{}, &connectorOpts{})
	if err := cmd.ParseFlags(host.CustomHandler.Description.Args[2:]); err != nil && !strings.Contains(err.Error(), "config") {
		t.Fatalf("connector serve does not accept %q: %v", args, err)
	}
	type binding struct {
		Type    string   `json:"type"`
		Route   string   `json:"route"`
		Methods []string `json:"methods"`
	}
	var fn struct {
		Bindings []binding `json:"bindings"`
	}
	served := map[string]bool{}
	for _, p := range []string{"POST /sync", "POST /api/sync", "POST /timer"} {
		served[p] = true
	}
	if err := json.Unmarshal([]byte(files["sync/function.json"]), &fn); err != nil {
		t.Fatalf("sync/function.json: %v", err)
	}
	if b := fn.Bindings[0]; b.Type != "httpTrigger" || !served["POST /api/"+b.Route] {
		t.Fatalf("sync/function.json triggers %+v, which the handler does not serve", b)
	}
	if err := json.Unmarshal([]byte(files["timer/function.json"]), &fn); err != nil {
		t.Fatalf("timer/function.json: %v", err)
	}
	if b := fn.Bindings[0]; b.Type != "timerTrigger" || !served["POST /timer"] {
		t.Fatalf("timer/function.json: %+v", b)
	}
}

package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestAPIWithOAuthClient goes the way an integrator does: an admin creates an
// OAuth client with the CLI, the integration exchanges it at /oauth/token for
// an access token and upserts and lists people; the client is revoked and its
// token stops working on the next request. Delta Sharing's OAuth clients keep
// using the same token endpoint.
func TestAPIWithOAuthClient(t *testing.T) {
	dir := t.TempDir()
	s := startServe(t, "--demo", "--data-dir", dir, "--publish=false")
	s.waitReady(t, 30*time.Second)
	bin, _ := buildBinary()
	cli := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(bin, append(args, "--data-dir", dir)...).Output()
		if err != nil {
			var stderr []byte
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = ee.Stderr
			}
			t.Fatalf("trestle %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr)
		}
		return string(out)
	}
	var id, secret string
	for _, l := range strings.Split(cli("api", "client", "create", "--company", "demo", "--scopes", "read,write", "--name", "payroll"), "\n") {
		if v, ok := strings.CutPrefix(l, "client_id:"); ok {
			id = strings.TrimSpace(v)
		}
		if v, ok := strings.CutPrefix(l, "client_secret:"); ok {
			secret = strings.TrimSpace(v)
		}
	}
	if id == "" || secret == "" {
		t.Fatal("api client create printed no client_id and client_secret")
	}
	base := "http://" + s.addr
	req, _ := http.NewRequest("POST", base+"/oauth/token", strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	code, body := send(t, req)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if code != 200 || json.Unmarshal(body, &tok) != nil || tok.AccessToken == "" {
		t.Fatalf("token endpoint: %d %s", code, body)
	}
	call := func(method, path, body string) (int, []byte) {
		req, _ := http.NewRequest(method, base+"/api/v1/companies/demo/"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		req.Header.Set("Content-Type", "application/json")
		return send(t, req)
	}
	if code, body := call("PUT", "people/by-employee-id/INT-1", `{"first_name":"Ida","last_name":"Integrator","group_codes":["KS"]}`); code != 201 {
		t.Fatalf("PUT person: %d %s", code, body)
	}
	code, body = call("GET", "people?employee_id=INT-1", "")
	var page struct {
		Data []struct {
			FirstName string `json:"first_name"`
		} `json:"data"`
		Total int `json:"total"`
	}
	if code != 200 || json.Unmarshal(body, &page) != nil || page.Total != 1 || page.Data[0].FirstName != "Ida" {
		t.Fatalf("GET people: %d %s", code, body)
	}
	code, body = send(t, mustRequest("GET", base+"/api/v1/openapi.json"))
	if code != 200 || !strings.Contains(string(body), `"openapi":"3.1.0"`) {
		t.Fatalf("openapi.json: %d %.200s", code, body)
	}
	cli("api", "client", "revoke", id)
	if code, body := call("GET", "people", ""); code != 401 {
		t.Fatalf("after revoke: %d %s", code, body)
	}
	// The token endpoint still serves Delta Sharing's clients (profile v2).
	req, _ = http.NewRequest("POST", base+"/oauth/token", strings.NewReader("grant_type=client_credentials&client_id=trs_nope&client_secret=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if code, body := send(t, req); code != 401 || !strings.Contains(string(body), "invalid_client") {
		t.Fatalf("sharing client at /oauth/token: %d %s", code, body)
	}
}

func mustRequest(method, u string) *http.Request {
	r, err := http.NewRequest(method, u, nil)
	if err != nil {
		panic(err)
	}
	return r
}

func send(t *testing.T, req *http.Request) (int, []byte) {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

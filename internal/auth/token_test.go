package auth

import (
	"strings"
	"testing"
)

func TestNewTokenShapeAndParse(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id, secret, full := NewToken(ShareTokenPrefix)
		if len(id) != IDLen || len(secret) != SecretLen {
			t.Fatalf("id %q (%d), secret %q (%d)", id, len(id), secret, len(secret))
		}
		if full != "trs_"+id+"_"+secret {
			t.Fatalf("full = %q", full)
		}
		if seen[id] || seen[secret] {
			t.Fatalf("repeated id or secret after %d tokens", len(seen)/2)
		}
		seen[id], seen[secret] = true, true
		gotID, gotSecret, ok := Parse(full)
		if !ok || gotID != id || gotSecret != secret {
			t.Fatalf("Parse(%q) = %q, %q, %v", full, gotID, gotSecret, ok)
		}
	}
}

func TestSecretCharactersAreSpread(t *testing.T) {
	// 2000 secrets give 86,000 characters, about 1,387 of each of 62: every one
	// must appear, and none wildly more often than the others.
	count := map[rune]int{}
	for range 2000 {
		_, secret, _ := NewToken("x")
		for _, r := range secret {
			count[r]++
		}
	}
	if len(count) != 62 {
		t.Fatalf("%d distinct characters, want 62", len(count))
	}
	for r, n := range count {
		if n < 1000 || n > 1800 {
			t.Errorf("character %q appears %d times, expected about 1387", r, n)
		}
	}
}

func TestParseRejectsMalformed(t *testing.T) {
	id, secret, full := NewToken("trs")
	for _, bad := range []string{
		"",
		"trs",
		"trs_" + id,
		"_" + id + "_" + secret,          // no prefix
		"trs_" + id + "x_" + secret,      // id too long
		"trs_" + id + "_" + secret + "x", // secret too long
		"trs_" + id + "_" + secret[1:],   // secret too short
		"trs_" + id[:9] + "-_" + secret,  // bad character in id
		"trs_" + id + "_" + secret[:42] + "=",
		"TRS_" + id + "_" + secret, // prefix is lower-case
		"Bearer " + full,
		full + "\n",
	} {
		if _, _, ok := Parse(bad); ok {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
	if _, _, ok := Parse("my_app_" + id + "_" + secret); !ok {
		t.Error("a prefix with '_' should parse")
	}
}

func TestHashAndVerify(t *testing.T) {
	_, secret, _ := NewToken(ShareTokenPrefix)
	h := Hash(secret)
	if len(h) != 32 {
		t.Fatalf("hash is %d bytes", len(h))
	}
	if strings.Contains(string(h), secret) {
		t.Fatal("hash contains the secret")
	}
	if !Verify(secret, h) {
		t.Fatal("Verify(secret, Hash(secret)) = false")
	}
	_, other, _ := NewToken(ShareTokenPrefix)
	for _, c := range []struct {
		secret string
		hash   []byte
	}{
		{other, h},
		{secret[:42], h},
		{"", h},
		{secret, nil},
		{secret, h[:31]},
		{secret, append(append([]byte{}, h...), 0)},
	} {
		if Verify(c.secret, c.hash) {
			t.Errorf("Verify(%q, %x) = true", c.secret, c.hash)
		}
	}
}

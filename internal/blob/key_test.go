package blob

import (
	"strings"
	"testing"
)

func TestCheckKey(t *testing.T) {
	for _, key := range []string{"a", "a/b", "people/_delta_log/00000000000000000000.json", "with space/ü 日本", "a.b", ".hidden", "a/..b", "...", "a-b/c"} {
		if err := CheckKey(key); err != nil {
			t.Errorf("CheckKey(%q) = %v, want nil", key, err)
		}
	}
	for key, why := range map[string]string{
		"": "empty key", "/a": "absolute", "a//b": "empty segment", "a/": "empty segment",
		"..": `".."`, "a/../b": `".."`, "./a": `"."`, "a\\b": "backslash", "a\x00b": "NUL", "\xff": "UTF-8",
	} {
		err := CheckKey(key)
		if err == nil || !strings.Contains(err.Error(), why) || !strings.Contains(err.Error(), "invalid key") {
			t.Errorf("CheckKey(%q) = %v, want an invalid-key error mentioning %s", key, err, why)
		}
	}
}

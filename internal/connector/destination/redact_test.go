package destination

import "testing"

func TestRedactDSN(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"postgres://bob:s3cret@db:5432/x?sslmode=disable", "postgres://bob:xxxxx@db:5432/x?sslmode=disable"},
		{"postgres://bob@db/x", "postgres://bob@db/x"},
		{"host=db user=bob password=s3cret dbname=x", "host=db user=bob password=xxxxx dbname=x"},
		{"host=db password='a b' dbname=x", "host=db password=xxxxx dbname=x"},
	} {
		if got := redactDSN(tc.in); got != tc.want {
			t.Errorf("redactDSN(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

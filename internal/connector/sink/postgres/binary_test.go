package postgres

import (
	"math/big"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/jackc/pgx/v5/pgtype"
)

// appendNumeric must produce bytes pgx's numeric codec decodes to the same
// value and scale (PostgreSQL's own normalized form: no leading or trailing
// zero digit groups, where pgx keeps them).
func TestAppendNumericMatchesPgx(t *testing.T) {
	m := pgtype.NewMap()
	cases := []struct {
		unscaled string
		scale    int32
	}{
		{"0", 0}, {"0", 4}, {"1", 0}, {"-1", 0}, {"5", 2}, {"-5", 2}, {"123456", 1}, {"10000", 0},
		{"100000000", 4}, {"12345678901234", 4}, {"-99999999999999", 4}, {"1", 10}, {"123", 38},
		{"99999999999999999999999999999999999999", 10}, {"-12345678901234567890123456789", 0},
		{"7", 3}, {"70000", 4}, {"120000", 0}, {"1000000000000000000", 2},
	}
	for _, tc := range cases {
		bi, _ := new(big.Int).SetString(tc.unscaled, 10)
		got := appendNumeric(nil, decimal128.FromBigInt(bi), tc.scale)
		var n pgtype.Numeric
		if err := m.Scan(pgtype.NumericOID, pgtype.BinaryFormatCode, got, &n); err != nil {
			t.Fatalf("%se-%d: pgx cannot decode % x: %v", tc.unscaled, tc.scale, got, err)
		}
		want := new(big.Rat).SetFrac(bi, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(tc.scale)), nil))
		have := new(big.Rat).SetInt(n.Int)
		scale := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(n.Exp))), nil))
		if n.Exp < 0 {
			have.Quo(have, scale)
		} else {
			have.Mul(have, scale)
		}
		if have.Cmp(want) != 0 {
			t.Errorf("%se-%d: encoded % x decodes to %s, want %s", tc.unscaled, tc.scale, got, have.FloatString(int(tc.scale)), want.FloatString(int(tc.scale)))
		}
		if dscale := int32(got[6])<<8 | int32(got[7]); dscale != tc.scale {
			t.Errorf("%se-%d: display scale %d", tc.unscaled, tc.scale, dscale)
		}
	}
}

func abs(x int32) int32 {
	if x < 0 {
		return -x
	}
	return x
}

// Package nominicore turns off gosnowflake's "minicore" before the driver's
// own init runs. At init the driver writes a native library into a new
// /tmp/gosnowflake-cgo* folder to dlopen it; a static (CGO_ENABLED=0) binary
// cannot load it, and the folder is left behind by every trestle command.
// The driver reads SF_DISABLE_MINICORE at that moment, so this package sets it
// in its own init. It imports nothing but os, so Go's initialization order
// (ready packages by import path) runs it before the driver, whose
// dependencies include golang.org/x packages that sort after this path;
// cmd/trestle's TestNoSnowflakeTempFolders checks the effect. Building with
// -tags minicore_disabled removes the library from the binary altogether.
package nominicore

import "os"

func init() {
	if _, set := os.LookupEnv("SF_DISABLE_MINICORE"); !set {
		os.Setenv("SF_DISABLE_MINICORE", "true")
	}
}

// Command trestle is the Trestle binary: the planning hub ("trestle serve"), its
// administration commands, and (in later releases) the Delta Sharing connector.
package main

import (
	"context"
	"os"
	_ "time/tzdata" // time zones work on machines without a zoneinfo database

	"github.com/trestle-dev/trestle/internal/cli"
)

func main() {
	os.Exit(cli.Main(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

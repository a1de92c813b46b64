// Command citadel runs the Citadel store and its operator tools.
// Everything happens in internal/app; this file only hands over.
package main

import (
	"os"

	"github.com/citadel-store/citadel/internal/app"
)

func main() {
	os.Exit(app.Main(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

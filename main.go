// Command orderhist turns a marketplace seller's order exports into one clean
// customer-purchase history in Parquet.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/orderhist/orderhist/cmd"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cmd.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Command gen writes deterministic marketplace export files for tests,
// benchmarks and identity-resolution measurements. See
// internal/testgen/README.md.
//
//	go run ./tools/gen -seed 1 -people 20000 -lines 1000000 -layouts amazon,mercadolivre -out DIR
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/orderhist/orderhist/internal/testgen"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	seed := fs.Int64("seed", 1, "random seed; the same flags always write the same bytes")
	people := fs.Int("people", 20000, "population size")
	lines := fs.Int("lines", 100000, "data rows to write, shared evenly among the layouts")
	layouts := fs.String("layouts", strings.Join(testgen.Layouts(), ","), "comma-separated layouts: "+strings.Join(testgen.Layouts(), ", "))
	out := fs.String("out", "", "output directory (required)")
	noise := fs.String("noise", testgen.NoiseDefault, "none, default or heavy")
	from := fs.String("from", "2024-01-01", "first order day (YYYY-MM-DD, São Paulo)")
	to := fs.String("to", "2026-10-31", "last order day, inclusive (YYYY-MM-DD, São Paulo)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *out == "" || fs.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "gen: -out DIR is required and no arguments are accepted")
		fs.Usage()
		return 2
	}
	if *lines < 1 || *people < 1 {
		fmt.Fprintln(os.Stderr, "gen: -lines and -people must be at least 1")
		return 2
	}
	sp, err := time.LoadLocation("America/Sao_Paulo")
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		return 1
	}
	f, err := time.ParseInLocation("2006-01-02", *from, sp)
	if err != nil {
		fmt.Fprintf(os.Stderr, "gen: -from %q is not a date like 2024-01-01\n", *from)
		return 2
	}
	t, err := time.ParseInLocation("2006-01-02", *to, sp)
	if err != nil {
		fmt.Fprintf(os.Stderr, "gen: -to %q is not a date like 2026-10-31\n", *to)
		return 2
	}
	cfg := testgen.Config{
		Seed: *seed, People: *people, Lines: *lines, Layouts: strings.Split(*layouts, ","),
		Noise: *noise, From: f, To: t.AddDate(0, 0, 1), OutDir: *out,
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		return 2
	}
	if os.Getenv("GOGC") == "" {
		// excelize's stream writer holds a 16 MiB chunk plus its growth;
		// collecting at +50% instead of +100% keeps a 1M-row run near
		// 80 MiB RSS for a few percent more CPU.
		debug.SetGCPercent(50)
	}
	start := time.Now()
	res, err := testgen.Generate(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		return 1
	}
	for _, f := range res.Files {
		fmt.Printf("%-14s %9d rows %9d orders  %s\n", f.Layout, f.Rows, f.Orders, f.File)
	}
	fmt.Printf("%d orders in %s (%s)\n", res.Orders, *out, time.Since(start).Round(time.Millisecond))
	return 0
}

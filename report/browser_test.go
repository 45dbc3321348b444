package report_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/orderhist/orderhist/history"
	"github.com/orderhist/orderhist/internal/sellertest"
	"github.com/orderhist/orderhist/report"
)

var screenshotDir = flag.String("screenshot", "", "write the browser tests' screenshots to this folder")

// chromiumPath finds Debian's chromium; tests that need it skip without it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	t.Skip("chromium is not installed (Debian: apt-get install chromium); skipping the browser test")
	return ""
}

// browser starts a headless Chromium with a fresh profile and nothing that
// talks to the network on its own.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	// Generous: under the race detector on a busy machine a page can take
	// tens of seconds; the limit only stops a browser that hangs.
	ctx, cancelC := context.WithTimeout(ctx, 5*time.Minute)
	t.Cleanup(func() { cancelC(); cancelB(); cancelA() })
	return ctx
}

// watch collects, while the page is open, what must never happen on it:
// console errors and warnings, uncaught exceptions, browser log errors (a
// blocked fetch lands there) and any request for something but the file.
// stop ends the watch and returns what it saw.
func watch(ctx context.Context, pageURL string) (stop func() []string) {
	wctx, cancel := context.WithCancel(ctx)
	var mu sync.Mutex
	var seen []string
	add := func(s string) { mu.Lock(); seen = append(seen, s); mu.Unlock() }
	var wg sync.WaitGroup
	messages := chromedp.Console(wctx)
	requests := chromedp.Events(wctx, network.RequestWillBeSent)
	wg.Go(func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			switch m.Type {
			case chromedp.ConsoleException, "error", "warning", "assert":
				add(fmt.Sprintf("console %s: %s (%s:%d)", m.Type, m.Text, m.URL, m.Line+1))
			}
		}
	})
	wg.Go(func() {
		for ev, err := range requests {
			if err != nil {
				return
			}
			if u := ev.Request.URL; u != pageURL && !strings.HasPrefix(u, "data:") {
				add("request for " + u)
			}
		}
	})
	return func() []string {
		// Messages already sent are delivered before the watch ends.
		time.Sleep(300 * time.Millisecond)
		cancel()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		return seen
	}
}

type drawn struct {
	ID     string  `json:"id"`
	Width  float64 `json:"w"`
	Height float64 `json:"h"`
	Shapes int     `json:"shapes"`
	Texts  int     `json:"texts"`
}

// drawnCharts measures every chart figure on the page as laid out.
const drawnCharts = `Array.from(document.querySelectorAll('figure.chart')).map(f => {
  const svg = f.querySelector('svg');
  if (!svg) return {id: f.dataset.chart, w: 0, h: 0, shapes: 0, texts: 0};
  const r = svg.getBoundingClientRect();
  const shapes = Array.from(svg.querySelectorAll('path,rect,circle,polyline,line')).filter(e => {
    const b = e.getBBox(); return b.width > 0 || b.height > 0;
  }).length;
  return {id: f.dataset.chart, w: r.width, h: r.height, shapes: shapes, texts: svg.querySelectorAll('text').length};
})`

// TestPageInChromium opens the report in a real browser, on a desktop and a
// phone screen: every chart is drawn, nothing is fetched, the console stays
// clean, the page does not scroll sideways on the phone and the screenshot
// is not blank.
func TestPageInChromium(t *testing.T) {
	chromiumPath(t)
	dir := sellertest.Import(t, sellertest.KnownExports(t))
	h := sellertest.Load(t, dir, "2026-06-30", history.DefaultRules)
	// The browser's time limit starts after the import, which under the
	// race detector on a busy machine takes minutes of its own.
	ctx := browser(t)
	for _, lang := range report.Languages {
		var buf bytes.Buffer
		if err := report.Render(&buf, report.Build(h, report.DefaultOptions), lang); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "report-"+lang+".html")
		if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		want := strings.Count(buf.String(), `<figure class="chart`)
		if want < 8 {
			t.Fatalf("%s: only %d charts on the page", lang, want)
		}
		// The pt-BR sheet names a category: the page charts categories.
		if !strings.Contains(buf.String(), `data-chart="categories"`) {
			t.Errorf("%s: no categories chart", lang)
		}
		for _, screen := range []struct {
			name          string
			width, height int64
			mobile        bool
		}{{"desktop", 1280, 900, false}, {"phone", 390, 844, true}} {
			t.Run(lang+"/"+screen.name, func(t *testing.T) {
				charts, scrollWidth, shot, problems := openPage(t, ctx, path, screen.width, screen.height, screen.mobile)
				if len(charts) != want {
					t.Errorf("%d charts measured, %d on the page", len(charts), want)
				}
				for _, c := range charts {
					if c.Width < 100 || c.Height < 60 || c.Shapes < 3 || c.Texts < 2 {
						t.Errorf("chart %s did not draw: %+v", c.ID, c)
					}
					if c.Width > float64(screen.width) {
						t.Errorf("chart %s is %.0f px wide on a %d px screen", c.ID, c.Width, screen.width)
					}
				}
				if scrollWidth > float64(screen.width) {
					t.Errorf("the page is %.0f px wide on a %d px screen: it scrolls sideways", scrollWidth, screen.width)
				}
				for _, p := range problems {
					t.Error(p)
				}
				checkNotBlank(t, shot)
				if *screenshotDir != "" {
					os.WriteFile(filepath.Join(*screenshotDir, "report-"+lang+"-"+screen.name+".png"), shot, 0o644)
				}
			})
		}
	}
}

// openPage opens a file in a new tab of the browser with a screen of the
// given size, and measures its charts, its width and what went wrong.
func openPage(t *testing.T, ctx context.Context, path string, width, height int64, mobile bool) (charts []drawn, scrollWidth float64, shot []byte, problems []string) {
	t.Helper()
	tctx, cancel := chromedp.NewContext(ctx)
	defer cancel()
	url := "file://" + path
	if err := chromedp.Do(tctx, chromedp.EmulateViewport(width, height, viewportOpts(mobile)...)); err != nil {
		t.Fatal(err)
	}
	stop := watch(tctx, url)
	if err := chromedp.Do(tctx, chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
		t.Fatal(err)
	}
	var err error
	if charts, err = chromedp.Run(tctx, chromedp.Evaluate[[]drawn](drawnCharts)); err != nil {
		t.Fatal(err)
	}
	if scrollWidth, err = chromedp.Run(tctx, chromedp.Evaluate[float64](`document.documentElement.scrollWidth`)); err != nil {
		t.Fatal(err)
	}
	if shot, err = chromedp.Run(tctx, chromedp.FullScreenshot(100)); err != nil {
		t.Fatal(err)
	}
	return charts, scrollWidth, shot, stop()
}

// TestBrowserChecksCatchProblems shows that the checks above can fail: a
// page with a script error, a request for an outside resource, an empty
// chart and a too-wide element is caught on each count.
func TestBrowserChecksCatchProblems(t *testing.T) {
	ctx := browser(t)
	page := `<!DOCTYPE html><html><body style="margin:0">
<figure class="chart" data-chart="empty"><svg width="0" height="0"></svg></figure>
<div style="width:2000px;height:10px"></div>
<img src="http://127.0.0.1:9/missing.png">
<script>console.error("broken"); undefinedFunction();</script>
</body></html>`
	path := filepath.Join(t.TempDir(), "bad.html")
	if err := os.WriteFile(path, []byte(page), 0o600); err != nil {
		t.Fatal(err)
	}
	charts, scrollWidth, _, problems := openPage(t, ctx, path, 390, 844, true)
	if len(charts) != 1 || charts[0].Width > 0 || charts[0].Shapes > 0 {
		t.Errorf("an empty chart measured as %+v", charts)
	}
	if scrollWidth <= 390 {
		t.Errorf("a 2000 px element measured %.0f px wide", scrollWidth)
	}
	all := strings.Join(problems, "\n")
	for _, want := range []string{"broken", "undefinedFunction", "request for http://127.0.0.1:9/missing.png"} {
		if !strings.Contains(all, want) {
			t.Errorf("problem %q not caught; caught:\n%s", want, all)
		}
	}
	var blank bytes.Buffer
	png.Encode(&blank, image.NewGray(image.Rect(0, 0, 400, 800)))
	if blankScreenshot(blank.Bytes()) == "" {
		t.Error("a blank screenshot passed as drawn")
	}
}

// checkNotBlank fails unless the screenshot has ink.
func checkNotBlank(t *testing.T, shot []byte) {
	t.Helper()
	if why := blankScreenshot(shot); why != "" {
		t.Error(why)
	}
}

// blankScreenshot says why a screenshot looks blank, or "" when it has
// enough pixels far from the background colour, in more than a handful of
// colours.
func blankScreenshot(shot []byte) string {
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		return fmt.Sprintf("screenshot: %v", err)
	}
	b := img.Bounds()
	if b.Dx() < 300 || b.Dy() < 600 {
		return fmt.Sprintf("screenshot is only %v", b.Size())
	}
	br, bg, bb, _ := img.At(b.Min.X, b.Min.Y).RGBA()
	colours := map[[3]uint32]bool{}
	ink := 0
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[[3]uint32{r >> 12, g >> 12, bl >> 12}] = true
			if diff(r, br)+diff(g, bg)+diff(bl, bb) > 3*0x2000 {
				ink++
			}
		}
	}
	total := (b.Dx() / 2) * (b.Dy() / 2)
	if ink*100 < total*3 || len(colours) < 16 {
		return fmt.Sprintf("screenshot looks blank: %d of %d sampled pixels differ from the background, %d colours", ink, total, len(colours))
	}
	return ""
}

func diff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}

func viewportOpts(mobile bool) []chromedp.EmulateViewportOption {
	opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(2)}
	if mobile {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	return opts
}

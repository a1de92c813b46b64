package browser

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"github.com/chromedp/chromedp"
)

// ArtifactsEnv names the environment variable holding the directory for
// screenshots and page dumps. Make it absolute: go test runs each package
// in its own directory, so a relative path lands in every package.
const ArtifactsEnv = "CITADEL_ARTIFACTS"

// ArtifactDir is where this test's files go, made on first use:
// $CITADEL_ARTIFACTS/<test name>/, or <os.TempDir>/citadel-artifacts/<test
// name>/ when the variable is unset. It survives the test (unlike
// t.TempDir) so that CI can collect it; files of an earlier run with the
// same names are overwritten.
func (b *Browser) ArtifactDir() string {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.dir != "" {
		return b.dir
	}
	root := os.Getenv(ArtifactsEnv)
	if root == "" {
		root = filepath.Join(os.TempDir(), "citadel-artifacts")
	}
	dir := filepath.Join(root, testDir(b.t.Name()))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatalf("artifact directory: %v", err)
	}
	b.dir = dir
	return dir
}

// Screenshot saves a full-page PNG of the tab as <name>.png in the
// artifact directory, logs and returns its path.
func (b *Browser) Screenshot(name string) string {
	b.t.Helper()
	png := Get(b, chromedp.FullScreenshot(100)) // quality 100 means PNG
	path := filepath.Join(b.ArtifactDir(), fileName(name)+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	b.t.Logf("screenshot: %s", path)
	return path
}

// snapshot saves a screenshot and the page's HTML as best it can, for a
// failure report, and returns the paths it wrote.
func (b *Browser) snapshot(ctx context.Context, name string) []string {
	var saved []string
	dir := b.ArtifactDir()
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		p := filepath.Join(dir, fileName(name)+".png")
		if os.WriteFile(p, png, 0o644) == nil {
			saved = append(saved, p)
		}
	}
	if html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`)); err == nil {
		p := filepath.Join(dir, fileName(name)+".html")
		if os.WriteFile(p, []byte(html), 0o644) == nil {
			saved = append(saved, p)
		}
	}
	return saved
}

// testDir turns a test name into a relative path: one directory per
// subtest level, each safe as a file name.
func testDir(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = fileName(p)
	}
	return filepath.Join(parts...)
}

// fileName keeps letters, digits, '.', '-' and '_', and replaces the rest,
// so a name can neither climb out of the directory nor need quoting.
func fileName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, s)
	if strings.Trim(s, ".") == "" {
		return "_" + s
	}
	return s
}

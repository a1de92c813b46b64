package web

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The shop's templates keep to the page rules the Content-Security-Policy
// and the CSRF check rely on: no inline script or style, no event-handler
// attributes, a CSRF field in every form that posts; and the shop's Go
// code never marks a string as trusted HTML, URL or attribute, so every
// value is escaped by html/template.
func TestShopTemplatesFollowThePageRules(t *testing.T) {
	files, _ := filepath.Glob("templates/shop_*.html")
	files = append(files, "templates/layout.html", "templates/home.html")
	forbidden := []*regexp.Regexp{
		regexp.MustCompile(`(?i)<script`), regexp.MustCompile(`(?i)<style`), regexp.MustCompile(`(?i)\sstyle=`),
		regexp.MustCompile(`(?i)\son[a-z]+=`), regexp.MustCompile(`(?i)javascript:`),
	}
	postForm := regexp.MustCompile(`(?is)<form[^>]*method="post".*?</form>`)
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		for _, re := range forbidden {
			if loc := re.FindStringIndex(s); loc != nil {
				t.Errorf("%s: %q is not allowed", name, s[loc[0]:loc[1]])
			}
		}
		for _, f := range postForm.FindAllString(s, -1) {
			if !strings.Contains(f, `<input type="hidden" name="csrf" value="{{`) {
				t.Errorf("%s: a post form without a CSRF field:\n%s", name, f)
			}
		}
	}
	gofiles, _ := filepath.Glob("shop_*.go")
	for _, name := range gofiles {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		b, _ := os.ReadFile(name)
		for _, trusted := range []string{"template.HTML", "template.URL", "template.HTMLAttr", "template.JS", "template.CSS"} {
			if strings.Contains(string(b), trusted) {
				t.Errorf("%s uses %s", name, trusted)
			}
		}
	}
}

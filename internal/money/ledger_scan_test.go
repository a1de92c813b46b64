package money_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// forbiddenSQL lists the non-test Go files and migrations under root
// whose text contains one of the statements (any case, any spacing).
func forbiddenSQL(root string, stmts []string) ([]string, error) {
	var res []*regexp.Regexp
	for _, s := range stmts {
		res = append(res, regexp.MustCompile(`(?i)`+strings.ReplaceAll(regexp.QuoteMeta(s), " ", `\s+`)+`\b`))
	}
	var hits []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || strings.HasSuffix(path, "_test.go") ||
			!(strings.HasSuffix(path, ".go") || strings.HasSuffix(path, ".sql")) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, re := range res {
			if re.Match(b) {
				hits = append(hits, path)
				break
			}
		}
		return nil
	})
	return hits, err
}

package waf

import (
	_ "embed"
	"fmt"
	"io/fs"
	"strings"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"
)

// defaultExclusions are Citadel's per-route exclusions, reviewed like code.
//
//go:embed exclusions.conf
var defaultExclusions string

func rulesFS() fs.FS { return coreruleset.FS }

// Rule IDs Citadel's own configuration uses. The CRS owns 900000-999999.
const (
	idSettings = 10001 // the tx.* tuning SecAction
	// exclusions.conf uses 11000-11999; CustomRules should use 12000-19999.
)

// directives renders cfg as SecLang, in the order the CRS requires:
// engine settings, CRS setup, Citadel's tuning of the CRS variables,
// runtime exclusions, custom rules, then the CRS rules themselves.
func directives(cfg Config) string {
	var b strings.Builder
	b.WriteString("Include @coraza.conf-recommended\n")
	if cfg.Mode == ModeBlock {
		b.WriteString("SecRuleEngine On\n")
	} else {
		b.WriteString("SecRuleEngine DetectionOnly\n")
	}
	if cfg.InspectResponses {
		b.WriteString("SecResponseBodyAccess On\n")
	} else {
		b.WriteString("SecResponseBodyAccess Off\n")
	}
	// Events go to OnBlock; Coraza's own audit log would be a second,
	// unredacted copy on disk.
	b.WriteString("SecAuditEngine Off\n")
	b.WriteString("Include @crs-setup.conf.example\n")
	// The CRS relies on ModSecurity's default actions (log, pass) for the
	// phases crs-setup does not name; Coraza has none for them.
	for _, phase := range []int{3, 4, 5} {
		fmt.Fprintf(&b, "SecDefaultAction \"phase:%d,log,auditlog,pass\"\n", phase)
	}
	b.WriteString(settings(cfg))
	b.WriteString(cfg.Exclusions)
	b.WriteString("\n")
	b.WriteString(cfg.CustomRules)
	b.WriteString("\nInclude @owasp_crs/*.conf\n")
	return b.String()
}

// settings sets the CRS tuning variables before REQUEST-901 fills in the
// defaults for the ones left unset.
func settings(cfg Config) string {
	vars := []string{
		fmt.Sprintf("tx.blocking_paranoia_level=%d", cfg.ParanoiaLevel),
		fmt.Sprintf("tx.detection_paranoia_level=%d", cfg.ParanoiaLevel),
	}
	if len(cfg.AllowedMethods) > 0 {
		vars = append(vars, "tx.allowed_methods="+strings.Join(cfg.AllowedMethods, " "))
	}
	if cfg.ValidateUTF8 {
		vars = append(vars, "tx.crs_validate_utf8_encoding=1")
	}
	l := cfg.Limits
	for _, v := range []struct {
		name string
		n    int
	}{
		{"arg_name_length", l.ArgNameLength},
		{"arg_length", l.ArgLength},
		{"total_arg_length", l.TotalArgLength},
		{"max_num_args", l.MaxNumArgs},
		{"max_file_size", l.MaxFileSize},
		{"combined_file_sizes", l.CombinedFileSizes},
	} {
		if v.n > 0 {
			vars = append(vars, fmt.Sprintf("tx.%s=%d", v.name, v.n))
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "SecAction \"id:%d,phase:1,pass,nolog,t:none", idSettings)
	for _, v := range vars {
		fmt.Fprintf(&b, ",setvar:'%s'", v)
	}
	b.WriteString("\"\n")
	return b.String()
}

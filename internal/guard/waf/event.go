package waf

import (
	"net/http"
	"regexp"
	"strconv"
	"unicode/utf8"

	"github.com/corazawaf/coraza/v3/types"
)

// MaxMatchedData is how many bytes of a matched value an Event carries:
// enough to recognise the attack, too little to carry a whole stolen
// secret into the security log.
const MaxMatchedData = 64

// Event describes a request the rules condemned. It is for the security
// log, never for the client.
type Event struct {
	RequestID  string
	Method     string
	Path       string
	RemoteAddr string
	// Blocked is false in detect mode, where the request went on.
	Blocked bool
	// Status is the status the client got (or would have got).
	Status int
	// AnomalyScore is the CRS inbound (or outbound) total; 0 when the
	// request was refused before scoring, e.g. for an unparsable body.
	AnomalyScore int
	Matches      []Match
}

// Match is one rule that matched.
type Match struct {
	RuleID   int
	Message  string
	Variable string // e.g. ARGS:q
	Data     string // at most MaxMatchedData bytes, cut at a rune boundary
}

// loggedMatches returns the matched rules that carry the log action:
// exactly what ModSecurity writes to its error log, and what the CRS
// regression tests make assertions about.
func loggedMatches(tx types.Transaction) []types.MatchedRule {
	var out []types.MatchedRule
	for _, mr := range tx.MatchedRules() {
		if l, ok := mr.(interface{ Log() bool }); ok && !l.Log() {
			continue
		}
		out = append(out, mr)
	}
	return out
}

var totalScore = regexp.MustCompile(`Anomaly Score Exceeded \(Total Score: (\d+)\)`)

// event builds the Event for a condemned transaction; ok is false when
// the rules let the request through.
func (w *WAF) event(r *http.Request, tx types.Transaction) (Event, bool) {
	it := tx.Interruption()
	blocked := it != nil
	if it == nil {
		d, ok := tx.(interface{ DetectionOnlyInterruption() *types.Interruption })
		if !ok || d.DetectionOnlyInterruption() == nil {
			return Event{}, false
		}
		it = d.DetectionOnlyInterruption()
	}
	ev := Event{
		RequestID:  w.cfg.RequestID(r),
		Method:     r.Method,
		Path:       r.URL.Path,
		RemoteAddr: r.RemoteAddr,
		Blocked:    blocked,
		Status:     denyStatus(it),
	}
	for _, mr := range loggedMatches(tx) {
		if m := totalScore.FindStringSubmatch(mr.Message()); m != nil {
			if n, err := strconv.Atoi(m[1]); err == nil && n > ev.AnomalyScore {
				ev.AnomalyScore = n
			}
		}
		m := Match{RuleID: mr.Rule().ID(), Message: mr.Message()}
		if mds := mr.MatchedDatas(); len(mds) > 0 {
			m.Variable = mds[0].Variable().Name()
			if k := mds[0].Key(); k != "" {
				m.Variable += ":" + k
			}
			m.Data = truncate(mds[0].Value(), MaxMatchedData)
		}
		ev.Matches = append(ev.Matches, m)
	}
	return ev, true
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence
// (binary values are cut at n).
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for i := 0; i < utf8.UTFMax && cut > 0 && !utf8.RuneStart(s[cut]); i++ {
		cut--
	}
	if !utf8.RuneStart(s[cut]) {
		cut = n
	}
	return s[:cut]
}

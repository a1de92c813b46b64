package browser

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
)

// listen runs in the tab's event loop, in the order Chromium sends events,
// from the tab's first moment (it is installed with WithListener): by the
// time an action returns, every problem the page reported before the
// action's reply is recorded. It must return quickly and send no command.
func (b *Browser) listen(ev any) {
	var p string
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			p = fmt.Sprintf("console.%s: %s", ev.Type, argsText(ev.Args))
			if st := ev.StackTrace; st != nil && len(st.CallFrames) > 0 {
				f := st.CallFrames[0]
				p += fmt.Sprintf(" (%s:%d)", f.URL, f.LineNumber+1)
			}
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			text += " " + strings.SplitN(d.Exception.Description, "\n", 2)[0]
		}
		p = fmt.Sprintf("exception: %s (%s:%d)", text, d.URL, d.LineNumber+1)
	case *log.EventEntryAdded:
		e := ev.Entry
		// CSP violations (an inline script or style, a foreign origin) are
		// errors from the "security" source; a report-only policy's are
		// worth failing on too, so any level counts for them.
		csp := e.Source == log.EntrySourceSecurity && strings.Contains(e.Text, "Content Security Policy")
		if (e.Level == log.EntryLevelError && !autoFavicon(e)) || csp {
			p = fmt.Sprintf("%s %s: %s", e.Source, e.Level, e.Text)
			if e.URL != "" {
				p += fmt.Sprintf(" (%s:%d)", e.URL, e.LineNumber+1)
			}
		}
	}
	if p != "" {
		b.mu.Lock()
		b.problems = append(b.problems, p)
		b.mu.Unlock()
	}
}

// autoFavicon reports the failed fetch of /favicon.ico that Chromium makes
// by itself for every site: no page asked for it, so it says nothing of
// the pages. (A page that links a missing icon elsewhere is still caught.)
func autoFavicon(e *log.Entry) bool {
	u, err := url.Parse(e.URL)
	return err == nil && e.Source == log.EntrySourceNetwork && u.Path == "/favicon.ico"
}

// ConsoleErrors returns what the pages reported so far: console.error and
// failed console.assert calls, uncaught exceptions, browser log errors
// (failed resource loads, among others) and Content-Security-Policy
// violations.
func (b *Browser) ConsoleErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.problems)
}

// AssertNoConsoleErrors fails t when any page of this browser reported an
// error (see ConsoleErrors). A CSP violation, such as an inline script,
// fails it too. t is usually the Browser's own test; a subtest can pass
// its own.
func (b *Browser) AssertNoConsoleErrors(t testing.TB) {
	t.Helper()
	if probs := b.ConsoleErrors(); len(probs) > 0 {
		t.Errorf("the browser reported %d problem(s):\n  %s", len(probs), strings.Join(probs, "\n  "))
	}
}

// argsText renders console arguments roughly as DevTools shows them:
// strings as they are, other values by their description.
func argsText(args []*runtime.RemoteObject) string {
	parts := make([]string, 0, len(args))
	for _, a := range args {
		var s string
		switch {
		case a.Type == runtime.RemoteObjectTypeString && json.Unmarshal(a.Value, &s) == nil:
		case a.Description != "":
			s = a.Description
		case a.UnserializableValue != "":
			s = string(a.UnserializableValue)
		case len(a.Value) > 0:
			s = string(a.Value)
		default:
			s = string(a.Type)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

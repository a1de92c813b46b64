package browser

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Run runs the actions in order in the tab, within the browser's timeout
// for all of them together. On the first error it saves a screenshot and
// the page's HTML to the artifact directory and fails the test with the
// error, the page's URL and the files' paths.
func (b *Browser) Run(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, b.timeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.fail(err)
	}
}

// RunAndLoad is Run for actions that lead to a new page, such as a click
// on a link or on a form's submit button: it also waits until that page
// has loaded (after any redirects), so that what follows reads the new
// page and not the old one, and returns the response to its document.
// Actions that load no page fail the test at the timeout.
func (b *Browser) RunAndLoad(actions ...chromedp.Action[chromedp.Void]) *network.Response {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, b.timeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, actions...)
	if err != nil {
		b.fail(err)
	}
	return resp
}

// Get runs one action that returns a value (Text, Value, Location,
// Evaluate, ...) like Run, and returns the value. (A function rather than
// a method, since methods cannot have type parameters.)
func Get[T any](b *Browser, action chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, b.timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, action)
	if err != nil {
		b.fail(err)
	}
	return v
}

// Text returns the visible text of the first element matching the CSS
// selector, waiting for it to appear.
func (b *Browser) Text(css string) string {
	b.t.Helper()
	return Get(b, chromedp.Text(chromedp.CSS(css)))
}

// fail records what the page looked like and ends the test.
func (b *Browser) fail(err error) {
	b.t.Helper()
	var msg strings.Builder
	fmt.Fprintf(&msg, "browser: %v", err)
	if errors.Is(err, context.DeadlineExceeded) {
		fmt.Fprintf(&msg, " (after %v; see WithTimeout)", b.timeout)
	}
	// The action's context may be spent; look with a fresh, short one.
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	if loc, lerr := chromedp.Run(ctx, chromedp.Location()); lerr == nil {
		fmt.Fprintf(&msg, "\npage: %s", loc)
	}
	for _, p := range b.snapshot(ctx, "failure") {
		fmt.Fprintf(&msg, "\nsaved: %s", p)
	}
	if probs := b.ConsoleErrors(); len(probs) > 0 {
		fmt.Fprintf(&msg, "\nconsole errors so far:\n  %s", strings.Join(probs, "\n  "))
	}
	if b.ctx.Err() != nil { // the browser is gone: it crashed or was killed
		fmt.Fprintf(&msg, "\nthe browser has stopped; its last output:\n%s", b.output)
	}
	b.t.Fatal(msg.String())
}

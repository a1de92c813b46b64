#!/bin/sh
# Regenerates the golden evidence files in this directory with fresh keys:
# receipt.pub (the platform's public receipt key), ca-root.pem (a fresh
# platform CA's root), receipt-passkey.json, receipt-session.json,
# contract.json, and for each the text of what it proves (*.json.txt).
# The private keys are thrown away. canonical.txt is hand-written: it is
# the specification of the canonical form and is never regenerated.
#
# Run it only when the evidence formats change on purpose, and say so in
# the change: receipts already handed out must keep verifying, so a new
# format needs a new version string, not new golden files for the old one.
set -eu
cd "$(dirname "$0")/.."
go test -count=1 -run '^TestGolden$' . -args -update
git diff --stat -- testdata 2>/dev/null || true

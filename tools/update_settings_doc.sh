#!/usr/bin/env bash
# Rewrites the settings table of docs/settings.md from the binary's own catalog
# (`authkit settings`). A unit test fails when the page differs from the catalog.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product authkit >/dev/null
table="$(.build/debug/authkit settings)"
python3 - "$table" <<'PY'
import sys
path = "docs/settings.md"
doc = open(path).read()
start = doc.index("| variable |")
end = doc.index("## Command-line equivalents")
open(path, "w").write(doc[:start] + sys.argv[1] + "\n\n" + doc[end:])
PY

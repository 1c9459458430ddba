#!/bin/sh
# Renders every samples/otel-semconv file that defines a hand-checked metric (test/fixtures/otelMetrics.ts)
# to AsciiDoc, HTML and reStructuredText with pandoc (Debian's), as test/fixtures/formats/render.sh does for
# five of them, and compares the cards with the Markdown's (bench/formatCards.ts).
# Needs pandoc, `npm run build` and `npm run compile-tests`. Usage: sh bench/formatCards.sh [OUT_DIR]
set -eu
out=${1:-$(mktemp -d)}
for f in $(grep -o 'path: "[^"]*"' test/fixtures/otelMetrics.ts | sed 's/path: "//; s/"$//' | sort -u); do
  dir=$(dirname "$f")
  base=$(basename "$f" .md)
  mkdir -p "$out/adoc/$dir" "$out/html/$dir" "$out/rst/$dir"
  pandoc -f gfm -t asciidoc "samples/otel-semconv/$f" -o "$out/adoc/$dir/$base.adoc"
  pandoc -f gfm -t rst --columns=10000 "samples/otel-semconv/$f" -o "$out/rst/$dir/$base.rst"
  pandoc -f gfm -t html5 -s --metadata title="$base" "samples/otel-semconv/$f" -o "$out/html/$dir/$base.html"
done
node out/bench/formatCards.js "$out"

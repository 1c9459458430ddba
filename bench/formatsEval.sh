#!/bin/sh
# The same docs in several formats should answer alike: renders the eval docs (default
# ../shared/eval/anthropic_docs) to AsciiDoc, HTML and reStructuredText with pandoc (Debian's), maps the questions'
# relevant files to the new names, and prints `docent eval --json`'s hit@5 and MRR@10 for each format.
# Needs pandoc and `npm run build`. Usage: sh bench/formatsEval.sh [EVAL_DIR] [OUT_DIR]
set -eu
eval_dir=${1:-../shared/eval/anthropic_docs}
out=${2:-$(mktemp -d)}
for format in adoc html rst; do
  mkdir -p "$out/$format"
  for f in "$eval_dir"/docs/*.md; do
    base=$(basename "$f" .md)
    case $format in
      adoc) pandoc -f gfm -t asciidoc "$f" -o "$out/$format/$base.adoc" ;;
      html) pandoc -f gfm -t html5 -s --metadata title="$base" "$f" -o "$out/$format/$base.html" ;;
      rst) pandoc -f gfm -t rst --columns=10000 "$f" -o "$out/$format/$base.rst" ;;
    esac
  done
  sed "s/\.md\"/.$format\"/g" "$eval_dir/questions.jsonl" > "$out/$format/questions.jsonl"
done
for format in md adoc html rst; do
  if [ "$format" = md ]; then docs="$eval_dir/docs" q="$eval_dir/questions.jsonl"; else docs="$out/$format" q="$out/$format/questions.jsonl"; fi
  node dist/cli.js eval --docs "$docs" --questions "$q" --json > "$out/$format.json"
  node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); const m = r.retrieval ?? r; console.log(process.argv[2], JSON.stringify(Object.fromEntries(Object.entries(m).filter(([k]) => /hit|mrr/i.test(k)))))' "$out/$format.json" "$format"
done

#!/usr/bin/env bash
# Lints the protobuf contract, checks it against the committed baseline image for
# wire/JSON-breaking changes, and checks that src/gen matches what codegen produces.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
buf lint
buf breaking --against proto/context-v1.baseline.binpb
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
buf generate --output "$out"
diff -r "$out/src/gen" src/gen || { echo "src/gen is stale: run npm run proto:generate"; exit 1; }
echo "protobuf contract ok"

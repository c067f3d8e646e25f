#!/usr/bin/env bash
# Runs Trestle's whole test suite: starts the local databases if needed, then go vet,
# go test -race over every package (PostgreSQL tests included), and the static build.
# CI (.ci/run) calls exactly this script.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/services.sh

echo "== go vet"
go vet ./...

race=-race
if [ "$(go env CGO_ENABLED)" != "1" ] || ! command -v "$(go env CC)" >/dev/null 2>&1; then
  if [ "${CI:-}" = "true" ]; then
    echo "CI needs a C compiler for go test -race" >&2
    exit 1
  fi
  echo "note: no C compiler, running the tests without -race"
  race=
fi

echo "== go test $race ./..."
go test $race -count=1 -timeout 30m ./...

echo "== CGO_ENABLED=0 go build ./cmd/trestle"
CGO_ENABLED=0 go build -o /dev/null ./cmd/trestle
echo "all checks passed"

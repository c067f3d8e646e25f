#!/usr/bin/env bash
# Runs Trestle's whole test suite: starts the local databases if needed, then go vet,
# go test -race over every package (PostgreSQL tests included), and the static build.
# CI (.ci/run) calls exactly this script.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/services.sh

# The S3-compatible server the blob tests start (internal/testenv/s3.go, which pins
# the same version): install it once into the user's cache folder, so the first
# test that needs it does not spend minutes building it. If this fails the tests
# try again themselves, and skip (or fail in CI) when they cannot.
vgw_version=v1.8.0
vgw_dir="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/trestle-test/versitygw-$vgw_version"
if [ -z "${TRESTLE_TEST_S3_BIN:-}" ]; then
  if ! go version -m "$vgw_dir/versitygw" 2>/dev/null | grep -q "github.com/versity/versitygw[[:space:]]*$vgw_version"; then
    echo "== installing versitygw $vgw_version (S3 test server) into $vgw_dir"
    mkdir -p "$vgw_dir"
    vgw_tmp=$(mktemp -d "$vgw_dir/install-XXXXXX")
    if (cd "$vgw_tmp" && GOBIN="$vgw_tmp" GOWORK=off go install "github.com/versity/versitygw/cmd/versitygw@$vgw_version"); then
      mv "$vgw_tmp/versitygw" "$vgw_dir/versitygw"
    else
      echo "note: could not install versitygw; the S3 tests will try again" >&2
    fi
    rm -rf "$vgw_tmp"
  fi
  if [ -x "$vgw_dir/versitygw" ]; then
    export TRESTLE_TEST_S3_BIN="$vgw_dir/versitygw"
  fi
fi

# DuckDB, the independent Parquet reader of the tests (testenv.DuckDB): install the
# npm package internal/testenv/testdata/duckdb/package.json pins, once, into the
# cache folder (into a temporary folder renamed into place, as
# internal/testenv/duckdb.go does). If this fails the tests try again themselves,
# and skip (or fail in CI) when they cannot.
duckdb_pkg=internal/testenv/testdata/duckdb/package.json
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  duckdb_version=$(node -p "require('./$duckdb_pkg').dependencies['@duckdb/node-api']" 2>/dev/null || true)
  duckdb_parent="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/trestle-test"
  duckdb_dir="$duckdb_parent/duckdb-$duckdb_version"
  if [ -n "$duckdb_version" ] && [ ! -e "$duckdb_dir/.trestle-installed" ]; then
    echo "== installing @duckdb/node-api $duckdb_version (DuckDB test reader) into $duckdb_dir"
    mkdir -p "$duckdb_parent"
    duckdb_tmp=$(mktemp -d "$duckdb_parent/duckdb-install-XXXXXX")
    if cp "$duckdb_pkg" "$duckdb_tmp/package.json" &&
      (cd "$duckdb_tmp" && npm install --no-audit --no-fund --no-package-lock --no-update-notifier --loglevel=error) &&
      echo "$duckdb_version" >"$duckdb_tmp/.trestle-installed" &&
      node -e 'require("fs").renameSync(process.argv[1], process.argv[2])' "$duckdb_tmp" "$duckdb_dir"; then
      :
    else
      echo "note: could not install @duckdb/node-api; the DuckDB tests will try again" >&2
    fi
    rm -rf "$duckdb_tmp"
  fi
fi

# Azurite, the Azure Blob Storage emulator of the tests (testenv.Azurite): install
# the npm package internal/testenv/testdata/azurite/package.json pins, with its
# package-lock.json (npm ci), once, into the cache folder (into a temporary folder
# renamed into place, as internal/testenv/azurite.go does). If this fails the tests
# try again themselves, and skip (or fail in CI) when they cannot.
azurite_pkg=internal/testenv/testdata/azurite/package.json
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  azurite_version=$(node -p "require('./$azurite_pkg').dependencies['azurite']" 2>/dev/null || true)
  azurite_parent="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/trestle-test"
  azurite_dir="$azurite_parent/azurite-$azurite_version"
  if [ -n "$azurite_version" ] && [ ! -e "$azurite_dir/.trestle-installed" ]; then
    echo "== installing azurite $azurite_version (Azure Blob test server) into $azurite_dir"
    mkdir -p "$azurite_parent"
    azurite_tmp=$(mktemp -d "$azurite_parent/azurite-install-XXXXXX")
    if cp "$azurite_pkg" "$azurite_tmp/package.json" &&
      cp "${azurite_pkg%package.json}package-lock.json" "$azurite_tmp/package-lock.json" &&
      (cd "$azurite_tmp" && npm ci --no-audit --no-fund --no-update-notifier --loglevel=error) &&
      echo "$azurite_version" >"$azurite_tmp/.trestle-installed" &&
      node -e 'require("fs").renameSync(process.argv[1], process.argv[2])' "$azurite_tmp" "$azurite_dir"; then
      :
    else
      echo "note: could not install azurite; the Azure tests will try again" >&2
    fi
    rm -rf "$azurite_tmp"
  fi
fi

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

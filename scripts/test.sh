#!/usr/bin/env bash
# The whole test suite (README command 2; CI runs exactly this):
#   a. clang-format check of src/ and tests/
#   b. build preset dev (with the web UI); all tests on SQLite: unit, integration, the web
#      UI's unit tests (vitest) and its browser end-to-end test (Chromium)
#   c. a throwaway PostgreSQL on a free port (or $SP_TEST_PG_PORT); the integration tests
#      again against it
#   d. build preset asan; the C++ tests under AddressSanitizer + UBSan, on SQLite
#   e. clang-tidy (scripts/tidy.sh) over src/ with the dev build's compile commands
# A podman service (scripts/podman.sh) with the terminal session image
# (scripts/build-session-images.sh) serves the docker platform's tests in every stage.
# Ends with one line "N passed, N failed" summed over the ctest runs; a stage that cannot
# run its tests (format errors, a failed build, PostgreSQL not starting) counts as one
# failure. Logs go to test-artifacts/.
#
#   scripts/test.sh [--quick] [--no-pg]
#     --quick   skip stages d and e (sanitizers, clang-tidy) for local iteration
#     --no-pg   skip stage c (PostgreSQL)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

QUICK=0
NO_PG=0
for arg in "$@"; do
  case "$arg" in
    --quick) QUICK=1 ;;
    --no-pg) NO_PG=1 ;;
    -h | --help)
      awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}"
      exit 0
      ;;
    *)
      echo "test.sh: unknown option '$arg' (use --quick, --no-pg or --help)" >&2
      exit 2
      ;;
  esac
done

# SP_TEST_PG_PORT pins stage c's PostgreSQL to one port; by default scripts/pg.sh picks one.
PG_PORT="${SP_TEST_PG_PORT:-auto}"
ARTIFACTS="$ROOT/test-artifacts"
JOBS=2
# Default per-test limit for tests that set none, so that a hang cannot eat the CI budget.
TEST_TIMEOUT=300

step() { printf '\n==> %s\n' "$*"; }

PASSED=0
FAILED=0
SKIPPED=0
PROBLEMS=()

# A stage that could not run its tests counts as one failure.
stage_failed() {
  FAILED=$((FAILED + 1))
  PROBLEMS+=("$1")
  echo "*** $1" >&2
}

# run_ctest NAME BUILD_DIR [ctest args...]: runs ctest, keeps its output in
# test-artifacts/ctest-NAME.log and adds its counts to the totals.
run_ctest() {
  local name="$1" dir="$2"
  shift 2
  local log="$ARTIFACTS/ctest-$name.log"
  local rc=0
  ctest --test-dir "$dir" --output-on-failure --no-tests=error -j"$JOBS" \
    --timeout "$TEST_TIMEOUT" "$@" 2>&1 | tee "$log" || rc=$?
  # "100% tests passed, 0 tests failed out of 57"
  local line
  line="$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1 || true)"
  if [[ -z "$line" ]]; then
    stage_failed "ctest $name: no result line (exit code $rc; see $log)"
    return
  fi
  local failed total skipped
  failed="$(sed -E 's/^[0-9]+% tests passed, ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")"
  total="$(sed -E 's/^[0-9]+% tests passed, ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$line")"
  # Skipped tests are listed as "  12 - Suite.Name (Skipped)" under "did not run".
  skipped="$(grep -cE '^[[:space:]]*[0-9]+ - .* \(Skipped\)$' "$log" || true)"
  PASSED=$((PASSED + total - failed - skipped))
  FAILED=$((FAILED + failed))
  SKIPPED=$((SKIPPED + skipped))
  if ((failed > 0)); then PROBLEMS+=("ctest $name: $failed of $total failed"); fi
  if ((failed == 0 && rc != 0)); then stage_failed "ctest $name: exit code $rc with no failed test"; fi
}

# build PRESET: scripts/build.sh with its output in test-artifacts/build-PRESET.log.
build() {
  local preset="$1"
  local rc=0
  bash scripts/build.sh "$preset" 2>&1 | tee "$ARTIFACTS/build-$preset.log" || rc=$?
  return "$rc"
}

summary() {
  echo
  if ((${#PROBLEMS[@]})); then
    echo "Problems:"
    printf '  - %s\n' "${PROBLEMS[@]}"
  fi
  echo "Logs: test-artifacts/"
  if ((SKIPPED > 0)); then
    echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
  else
    echo "$PASSED passed, $FAILED failed"
  fi
}

step "Setup (scripts/setup.sh --test)"
bash scripts/setup.sh --test

rm -rf "$ARTIFACTS"
mkdir -p "$ARTIFACTS"
# The SQLite stages must not pick up a PostgreSQL URL from the caller's environment.
unset SP_TEST_PG_URL

# --- a. formatting -------------------------------------------------------------------
step "a. clang-format --dry-run --Werror (src/, tests/)"
mapfile -t SOURCES < <(find src tests -type f \( -name '*.cpp' -o -name '*.hpp' \) | sort)
echo "clang-format: $(clang-format --version)"
if ((${#SOURCES[@]} == 0)); then
  echo "no sources"
elif clang-format --dry-run --Werror "${SOURCES[@]}" >"$ARTIFACTS/format.log" 2>&1; then
  echo "${#SOURCES[@]} files formatted correctly"
else
  grep -E '^[^ ].*: error:' "$ARTIFACTS/format.log" | cut -d: -f1 | sort | uniq -c |
    sed 's/^/  /' || true
  stage_failed "clang-format: files above need 'clang-format -i' (details: test-artifacts/format.log)"
fi

# A podman service for the docker platform's tests, with the session image they run.
ENGINE_DIR="$(mktemp -d /tmp/streamspace-podman.XXXXXX)"
stop_engine() { bash "$ROOT/scripts/podman.sh" stop "$ENGINE_DIR" || true; }
trap stop_engine EXIT
step "Container engine (podman) and the terminal session image"
if DOCKER_URL="$(bash scripts/podman.sh start "$ENGINE_DIR")" &&
  bash scripts/build-session-images.sh terminal 2>&1 | tee "$ARTIFACTS/session-images.log"; then
  export SP_TEST_DOCKER_HOST="$DOCKER_URL"
  echo "podman ready: $SP_TEST_DOCKER_HOST"
else
  stage_failed "podman or the session image is unavailable (test-artifacts/session-images.log)"
fi

# --- b. dev build, all tests on SQLite -----------------------------------------------
step "b. build preset dev"
DEV_BUILT=0
if build dev; then
  DEV_BUILT=1
  step "b. ctest build/dev (unit + integration + web, SQLite)"
  run_ctest dev-sqlite build/dev
else
  stage_failed "build of preset dev failed (test-artifacts/build-dev.log)"
fi

# --- c. integration tests on PostgreSQL ----------------------------------------------
if ((NO_PG)); then
  step "c. PostgreSQL stage skipped (--no-pg)"
elif ((!DEV_BUILT)); then
  step "c. PostgreSQL stage skipped: the dev build failed"
else
  step "c. PostgreSQL (port: $PG_PORT)"
  PG_DIR="$(mktemp -d /tmp/streamspace-pg.XXXXXX)"
  stop_pg() {
    if [[ -n "${PG_DIR:-}" && -d "$PG_DIR" ]]; then
      cp "$PG_DIR/log" "$ARTIFACTS/postgresql.log" 2>/dev/null || true
      bash "$ROOT/scripts/pg.sh" stop "$PG_DIR" "$PG_PORT" || true
    fi
  }
  trap 'stop_pg; stop_engine' EXIT
  if PG_URL="$(bash scripts/pg.sh start "$PG_DIR" "$PG_PORT" 2>"$ARTIFACTS/pg-start.log")"; then
    echo "PostgreSQL ready: $PG_URL"
    step "c. ctest build/dev -L integration (PostgreSQL)"
    SP_TEST_PG_URL="$PG_URL" run_ctest dev-postgresql build/dev -L integration
  else
    cat "$ARTIFACTS/pg-start.log" >&2
    # The summary is what a truncated CI log still shows, so it carries the reason.
    stage_failed "PostgreSQL did not start: $(grep -m1 -E 'FATAL|ERROR|failed' \
      "$ARTIFACTS/pg-start.log" || tail -n1 "$ARTIFACTS/pg-start.log")"
  fi
  stop_pg
  trap stop_engine EXIT
fi

# --- d. sanitizers -------------------------------------------------------------------
if ((QUICK)); then
  step "d. sanitizer stage skipped (--quick)"
else
  step "d. build preset asan"
  if build asan; then
    step "d. ctest build/asan (ASan + UBSan, SQLite)"
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
      UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      run_ctest asan build/asan -LE 'browser|web' 
  else
    stage_failed "build of preset asan failed (test-artifacts/build-asan.log)"
  fi
fi

# --- e. clang-tidy ------------------------------------------------------------------
if ((QUICK)); then
  step "e. clang-tidy skipped (--quick)"
elif ((!DEV_BUILT)); then
  step "e. clang-tidy skipped: the dev build failed"
else
  step "e. clang-tidy (scripts/tidy.sh)"
  # The sources are kept free of findings, so any finding fails the stage.
  if ! bash scripts/tidy.sh --build build/dev; then
    stage_failed "clang-tidy: findings listed above (details: test-artifacts/tidy.log)"
  fi
fi

summary
if ((FAILED > 0)); then exit 1; fi
exit 0

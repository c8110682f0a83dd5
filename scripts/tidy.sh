#!/usr/bin/env bash
# clang-tidy with the repository's .clang-tidy over the project's sources (src/, without the
# unit tests beside them), or over the files given. It reads the compile commands of a
# configured build (build/dev by default: `cmake --preset dev` first). Every finding fails:
# exit 1 with the findings in test-artifacts/tidy.log, 0 when there are none.
#
#   scripts/tidy.sh [--build DIR] [FILE.cpp ...]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

BUILD="build/dev"
FILES=()
while (($# > 0)); do
  case "$1" in
    --build)
      BUILD="$2"
      shift 2
      ;;
    -h | --help)
      awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}"
      exit 0
      ;;
    *)
      FILES+=("$1")
      shift
      ;;
  esac
done

if [[ ! -f "$BUILD/compile_commands.json" ]]; then
  echo "tidy.sh: no $BUILD/compile_commands.json (configure first: cmake --preset dev)" >&2
  exit 2
fi
if ((${#FILES[@]} == 0)); then
  mapfile -t FILES < <(find src -type f -name '*.cpp' ! -name '*_test.cpp' | sort)
fi

mkdir -p test-artifacts
LOG="test-artifacts/tidy.log"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
echo "clang-tidy: $(clang-tidy --version | grep -o 'version [0-9.]*'), ${#FILES[@]} files, $(nproc) at a time"
# One process per file, as many as there are cores, each writing a file of its own so their
# reports do not interleave. clang-tidy's exit code is not used: findings are counted from its
# output (a file that fails to parse shows as error:).
printf '%s\n' "${FILES[@]}" | nl -w1 -s' ' |
  xargs -P "$(nproc)" -L1 sh -c 'clang-tidy -p "$0" --quiet "$3" >"$1/$2.txt" 2>/dev/null || true' \
    "$BUILD" "$OUT"
REPORTS=("$OUT"/*.txt)
if ((${#REPORTS[@]} != ${#FILES[@]})); then
  echo "tidy.sh: clang-tidy reported on ${#REPORTS[@]} of ${#FILES[@]} files" >&2
  exit 2
fi
cat "${REPORTS[@]}" >"$LOG"
# Only findings in the project's own files count. The static analyzer reports some paths where
# they end, inside Boost.Asio's coroutine frames, which it cannot model; those are noise.
FINDINGS_RE="^($ROOT/)?src/.*:[0-9]+:[0-9]+: (warning|error):"
FINDINGS="$(grep -E "$FINDINGS_RE" "$LOG" | sed "s|^$ROOT/||" | sort -u || true)"
if [[ -n "$FINDINGS" ]]; then
  sed 's/^/  /' <<<"$FINDINGS"
  echo "clang-tidy: $(wc -l <<<"$FINDINGS") findings (details: $LOG)"
  exit 1
fi
echo "clang-tidy: no findings"

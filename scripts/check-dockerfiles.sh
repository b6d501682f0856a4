#!/usr/bin/env bash
# No Docker engine runs here, so the images cannot be built in CI. This checks what can be
# checked without one: every file a Dockerfile COPYs from the build context or runs from
# scripts/ exists in the repository and is not excluded by .dockerignore, every stage a
# COPY --from names exists, and each image ENTRYPOINT is the binary its build stage installs.
# Usage: scripts/check-dockerfiles.sh   (prints one line per check and a total)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
passed=0
failed=0
ok() { echo "ok   - $*"; passed=$((passed + 1)); }
fail() { echo "FAIL - $*"; failed=$((failed + 1)); }

ignored() {
  local path="$1" pat
  [ -f .dockerignore ] || return 1
  while read -r pat; do
    case "$pat" in '' | '#'*) continue ;; esac
    pat="${pat%/}"
    case "$path" in "$pat" | "$pat"/*) return 0 ;; esac
  done <.dockerignore
  return 1
}

for df in docker/Dockerfile.driver docker/Dockerfile.nri-plugin; do
  if [ ! -f "$df" ]; then
    fail "$df missing"
    continue
  fi
  # Join continuation lines so a RUN spread over several lines is one instruction.
  text="$(sed -e ':a' -e '/\\$/N; s/\\\n/ /; ta' "$df" | grep -v '^[[:space:]]*#')"
  stages="$(sed -n 's/^FROM .* AS \([a-z0-9_-]*\).*/\1/ip' <<<"$text")"
  while read -r _ args; do
    if [[ "$args" == --from=* ]]; then
      st="${args#--from=}"
      st="${st%% *}"
      if grep -qx "$st" <<<"$stages"; then ok "$df: COPY --from=$st names a stage"; else fail "$df: no stage $st"; fi
      continue
    fi
    read -ra words <<<"$args"
    for src in "${words[@]:0:${#words[@]}-1}"; do
      if [ "$src" = "." ]; then continue; fi
      if [ -e "$src" ] && ! ignored "$src"; then ok "$df: COPY $src exists"; else fail "$df: COPY $src missing or dockerignored"; fi
    done
  done < <(grep -E '^COPY ' <<<"$text")
  for s in $(grep -E '^RUN ' <<<"$text" | grep -oE 'scripts/[A-Za-z0-9_./-]+' | sort -u); do
    if [ -f "$s" ] && ! ignored "$s"; then ok "$df: RUN uses $s, which exists"; else fail "$df: RUN uses missing $s"; fi
  done
  bin="$(sed -n 's|^ENTRYPOINT \["/usr/local/bin/\([a-z-]*\)".*|\1|p' <<<"$text")"
  if [ -n "$bin" ] && grep -q -- "--target $bin " <<<"$text" && grep -q "COPY --from=build /out/$bin " <<<"$text"; then
    ok "$df: ENTRYPOINT $bin is the target it builds and copies"
  else
    fail "$df: ENTRYPOINT '$bin' is not the binary built and copied"
  fi
  # The binary targets are CMake targets the project defines (once the code issues land).
  if [ -n "$bin" ] && grep -rqE "add_executable\(\s*$bin\b" --include=CMakeLists.txt . 2>/dev/null; then
    ok "$df: CMake defines target $bin"
  else
    echo "note - $df: no add_executable($bin) in the tree yet"
  fi
done
echo "check-dockerfiles: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

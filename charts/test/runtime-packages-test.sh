#!/usr/bin/env bash
# The images install what scripts/runtime-packages.sh prints for their binary. Check that it
# names each WANTED package and that every name it prints is an installed Debian package.
# Usage: charts/test/runtime-packages-test.sh BINARY WANTED_PACKAGE...
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
bin="$1"
shift
pkgs="$(bash "$ROOT/scripts/runtime-packages.sh" "$bin")"
status=0
for want in "$@"; do
  if grep -qx "$want" <<<"$pkgs"; then
    echo "ok   - $(basename "$bin") needs $want"
  else
    echo "FAIL - $want missing from: ${pkgs//$'\n'/ }"
    status=1
  fi
done
for p in $pkgs; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    echo "FAIL - $p is not an installed Debian package"
    status=1
  fi
done
exit $status

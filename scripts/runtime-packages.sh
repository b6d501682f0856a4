#!/usr/bin/env bash
# Prints the Debian packages that hold the shared libraries a binary loads, one per line, sorted:
# the runtime stage of each image installs exactly these, so an image carries what its binary
# needs and nothing else, and stays right when a binary gains or drops a library.
# Usage: scripts/runtime-packages.sh BINARY
set -euo pipefail
bin="$1"
[ -x "$bin" ] || { echo "runtime-packages: $bin is not an executable" >&2; exit 1; }

libs="$(ldd "$bin" | awk '/=> \//{print $3} /^\t\/.*ld-linux/{print $1}')"
[ -n "$libs" ] || { echo "runtime-packages: ldd found no libraries in $bin" >&2; exit 1; }

for lib in $libs; do
  # Debian 12 is usr-merged: a library may be registered under /lib or /usr/lib.
  found=""
  for p in "$lib" "$(readlink -f "$lib")" "/usr${lib#/usr}" "${lib#/usr}"; do
    if pkg="$(dpkg -S "$p" 2>/dev/null | head -1 | cut -d: -f1)" && [ -n "$pkg" ]; then
      found="$pkg"
      break
    fi
  done
  [ -n "$found" ] || { echo "runtime-packages: no package owns $lib" >&2; exit 1; }
  echo "$found"
done | sort -u

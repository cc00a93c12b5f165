#!/usr/bin/env bash
# Tests the Helm chart (helm/chat-node), the Grafana dashboard and the Dockerfile without helm,
# kubectl access or a Docker engine, offline, from Debian 12 packages only:
#   1. installs golang-go + Debian's sprig/yaml.v3 Go sources, yamllint, python3-jsonschema (skipped
#      when already installed) and builds tools/helm-render (GOPATH mode, no module download);
#   2. renders every helm/chat-node/ci/*-values.yaml (like `helm template`, missing keys are errors)
#      and its NOTES.txt;
#   3. yamllint on the rendered manifests, Chart.yaml, values.yaml and ci/;
#   4. values.yaml, every ci file and every merged value set against values.schema.json;
#   5. tools/helm-render/check_chart.py: structural asserts against the node (ports, probes, env,
#      drain, selectors, PDB/HPA, secrets, ServiceMonitor, dashboard metric names, the assistant's ai.*);
#   6. tools/helm-render/check_dockerfile.py: Dockerfile vs scripts/install-deps.sh and scripts/run.sh.
# Idempotent; run as root on a clean Debian 12 (or with sudo available). Output under build/helm/.
# Ends with "helm: N passed, M failed" and exits non-zero when anything failed.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
chart="$root/helm/chat-node"
out="$root/build/helm"
py=/usr/bin/python3 # Debian's python3: python3-yaml and python3-jsonschema install for it
passed=0
failed=0

step() { # step NAME COMMAND...: runs one check, counts it, keeps going on failure
  local name="$1"
  shift
  if "$@"; then
    passed=$((passed + 1))
    echo "test-helm: ok   $name"
  else
    failed=$((failed + 1))
    echo "test-helm: FAIL $name" >&2
  fi
}

# ---- 1. tools ------------------------------------------------------------------------------------
packages=(golang-go golang-github-masterminds-sprig-dev golang-gopkg-yaml.v3-dev yamllint python3-yaml python3-jsonschema)
missing=()
for p in "${packages[@]}"; do
  [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" == "install ok installed" ]] || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=()
  [[ "$(id -u)" -ne 0 ]] && sudo=(sudo)
  echo "test-helm: installing ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" ||
    { echo "test-helm: apt-get install failed" >&2; exit 1; }
fi

mkdir -p "$out/render" "$out/go-cache"
renderer="$out/helm-render"
# Debian ships sprig v3 and its dependencies as GOPATH sources under /usr/share/gocode/src
# (github.com/Masterminds/sprig with module path .../sprig/v3; GOPATH mode resolves the /v3 import
# of semver through its go.mod), so the renderer builds offline with modules off.
build_renderer() {
  (cd "$root/tools/helm-render" &&
    GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$out/go-cache" GOFLAGS= GOPROXY=off \
      go build -o "$renderer" .)
}
if ! build_renderer; then
  echo "test-helm: FAIL cannot build tools/helm-render" >&2
  echo "helm: $passed passed, $((failed + 1)) failed"
  exit 1
fi
passed=$((passed + 1))
echo "test-helm: ok   build tools/helm-render"

# ---- 2. render -----------------------------------------------------------------------------------
rm -f "$out/render"/*
shopt -s nullglob
ci_files=("$chart"/ci/*-values.yaml)
if ((${#ci_files[@]} == 0)); then
  echo "test-helm: FAIL no ci/*-values.yaml" >&2
  failed=$((failed + 1))
fi
render() {
  local f="$1" n
  n="$(basename "$f" .yaml)"
  "$renderer" --strict --name chat --namespace chat -f "$f" "$chart" >"$out/render/$n.yaml" &&
    "$renderer" --show-values -f "$f" "$chart" >"$out/render/$n.values.yaml" &&
    "$renderer" --strict --notes --name chat --namespace chat -f "$f" "$chart" >"$out/render/$n.notes.txt" &&
    [[ -s "$out/render/$n.yaml" && -s "$out/render/$n.notes.txt" ]]
}
for f in "${ci_files[@]}"; do
  step "render $(basename "$f")" render "$f"
done

# ---- 3. yamllint ---------------------------------------------------------------------------------
cat >"$out/yamllint.yaml" <<'EOF'
extends: relaxed
rules:
  line-length: disable
EOF
lint_rendered() { yamllint --strict -c "$out/yamllint.yaml" "$out"/render/*-values.yaml; }
lint_sources() { yamllint --strict -c "$out/yamllint.yaml" "$chart/Chart.yaml" "$chart/values.yaml" "$chart/ci"; }
step "yamllint rendered manifests" lint_rendered
step "yamllint Chart.yaml values.yaml ci/" lint_sources

# ---- 4. values schema ----------------------------------------------------------------------------
validate_schema() {
  "$py" - "$chart" "$out/render" <<'EOF'
import glob, json, os, sys
import jsonschema, yaml
chart, rendered = sys.argv[1], sys.argv[2]
schema = json.load(open(os.path.join(chart, "values.schema.json")))
jsonschema.Draft7Validator.check_schema(schema)
v = jsonschema.Draft7Validator(schema)
files = [os.path.join(chart, "values.yaml")] + sorted(glob.glob(os.path.join(chart, "ci", "*.yaml")))
files += sorted(glob.glob(os.path.join(rendered, "*.values.yaml")))
bad = 0
for f in files:
    for e in v.iter_errors(yaml.safe_load(open(f)) or {}):
        bad += 1
        print(f"{os.path.relpath(f)}: {'.'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}")
# The schema must reject what it is there to reject.
for probe in ({"replicaCount": "3"}, {"unknownKey": 1}, {"config": {"logLevel": "verbose"}},
              {"servers": {"http": {"port": 70000}, "internal": {"port": 9090}}}, {"externalRedis": {"password": "a@b"}},
              {"config": {"trustedProxies": "ingress-nginx"}},
              {"externalRedis": {"sentinel": {"hosts": ["a b:1"]}}}, {"externalRedis": {"minReplicasAcked": -1}},
              # ai.*: secrets never inline, no credentials in the URL, a valid bot name, known types.
              {"ai": {"apiKey": "sk-x"}}, {"ai": {"webhookUrl": "https://n8n/webhook/x"}}, {"ai": {"apiKeyFile": "/k"}},
              {"ai": {"url": "https://user:sk-x@llm.example.com/v1"}}, {"ai": {"url": "ftp://llm/v1"}},
              {"ai": {"name": "Ask me"}}, {"ai": {"enabled": "yes"}}, {"ai": {"contextMessages": 500}},
              {"ai": {"timeoutSeconds": -1}}):
    if v.is_valid(probe):
        bad += 1
        print(f"schema accepts {probe}")
sys.exit(1 if bad else 0)
EOF
}
step "values.yaml, ci/*.yaml and merged values vs values.schema.json" validate_schema

# ---- 5/6. structural checks ----------------------------------------------------------------------
step "check_chart.py" "$py" "$root/tools/helm-render/check_chart.py" --repo "$root" --render-dir "$out/render" --renderer "$renderer"
step "check_dockerfile.py" "$py" "$root/tools/helm-render/check_dockerfile.py" "$root"

echo "helm: $passed passed, $failed failed"
((failed == 0))

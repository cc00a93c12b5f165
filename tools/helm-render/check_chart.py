#!/usr/bin/python3
"""Structural checks of the chat-node Helm chart against what the node really does.

Reads the manifests that scripts/test-helm.sh rendered for every ci/*-values.yaml (RENDER_DIR/<name>.yaml,
merged values in RENDER_DIR/<name>.values.yaml), renders a few variations itself with the helm-render
binary, and asserts:
  * container ports and probes match the node (http 8080, internal 9090, /livez, /readyz);
  * Service/Ingress/HTTPRoute ports resolve to named ports that exist;
  * selectors == selectorLabels (name + instance only) and are a subset of the pod labels;
  * PDB only with more than one pod, HPA only when enabled (and then no Deployment replicas);
  * no secret in any ConfigMap; every env var is a known CHAT_* option;
  * CHAT_TRUSTED_PROXIES holds CIDR blocks the node accepts, and is set when an Ingress/HTTPRoute is;
  * terminationGracePeriodSeconds >= preStop sleep + drain timeout;
  * ServiceMonitor scrapes port internal, path /metrics, through exactly one Service;
  * the dashboard is a raw model whose PromQL uses only metrics from metrics/*.cpp, and shows every
    chatnode_ai_* family;
  * ai.*: nothing of the assistant when it is off; when on, the API key only as a read-only mounted
    Secret item (CHAT_AI_API_KEY_FILE), the webhook URL only by secretKeyRef, never a secret in a
    ConfigMap; the refused combinations fail the render;
  * values.yaml: a comment above every key, every key in values.schema.json and back,
    every .Values path used by templates exists, every include has a define.

Run with Debian's /usr/bin/python3 (python3-yaml). Prints "N passed, M failed"; exit 1 on any failure.
"""
import argparse
import base64
import glob
import ipaddress
import json
import os
import re
import subprocess
import sys

import yaml

# The node's listeners and health endpoints (app/ option defaults, docs/architecture.md).
NODE_HTTP_PORT = 8080
NODE_INTERNAL_PORT = 9090
LIVE_PATH = "/livez"
READY_PATH = "/readyz"
# Every option of the node, as env var (flag --x-y <-> CHAT_X_Y). Options found in app/ sources are added.
KNOWN_OPTIONS = {
    "CHAT_BIND", "CHAT_PORT", "CHAT_INTERNAL_PORT", "CHAT_REDIS_URL", "CHAT_SERVER_ID", "CHAT_ADMIN",
    "CHAT_THREADS", "CHAT_LOG_LEVEL", "CHAT_ALLOWED_ORIGINS", "CHAT_COOKIE_SECURE", "CHAT_DRAIN_TIMEOUT",
    "CHAT_MAX_MESSAGE_CHARS", "CHAT_MAX_WS_FRAME_BYTES", "CHAT_WEB_ROOT",
}
SELECTOR_KEYS = {"app.kubernetes.io/name", "app.kubernetes.io/instance"}
CRED_URL = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s@:]*:[^/\s@]+@", re.I)
SECRET_KEY = re.compile(r"pass(word)?|passwd|secret|token|credential|private", re.I)


class Checker:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, cond, what):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL: {what}")
        return bool(cond)


C = Checker()


# ----------------------------------------------------------------------------------------------
# helpers

def load_docs(text):
    return [d for d in yaml.safe_load_all(text) if d]


def by_kind(docs, kind):
    return [d for d in docs if d.get("kind") == kind]


def one(docs, kind, ctx):
    found = by_kind(docs, kind)
    C.check(len(found) == 1, f"{ctx}: expected exactly one {kind}, found {len(found)}")
    return found[0] if found else None


def get(d, *path, default=None):
    for p in path:
        if isinstance(d, dict) and p in d:
            d = d[p]
        elif isinstance(d, list) and isinstance(p, int) and p < len(d):
            d = d[p]
        else:
            return default
    return d


def selects(selector, labels):
    """Evaluates a LabelSelector (matchLabels + matchExpressions) against labels."""
    labels = labels or {}
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in selector.get("matchExpressions") or []:
        k, op, vals = e["key"], e["operator"], e.get("values") or []
        if op == "In" and labels.get(k) not in vals:
            return False
        if op == "NotIn" and labels.get(k) in vals:
            return False
        if op == "Exists" and k not in labels:
            return False
        if op == "DoesNotExist" and k in labels:
            return False
    return True


def exported_metrics(metrics_dir):
    """{name: type} of every family registered in metrics/*.cpp (node_metrics.cpp, ai_metrics.cpp)."""
    out = {}
    for path in sorted(glob.glob(os.path.join(metrics_dir, "*.cpp"))):
        src = open(path).read()
        found = re.findall(r"Build(Counter|Gauge|Histogram|Summary)\(\)\s*\.Name\(\s*\"(chatnode_[a-z0-9_]+)\"\s*\)", src)
        out.update({name: kind for kind, name in found})
    return out


def option_table(repo):
    """{CHAT_NAME: {"type", "min", "max", "choices"}} from app/config_table.cpp (the node's option table)
    and app/config_ai.cpp (the assistant's backend options, added to the same table).

    Falls back to KNOWN_OPTIONS when the table is not there. Flag-only options (--help, --version,
    --print-config) have no environment variable and are left out.
    """
    paths = [os.path.join(repo, "app", f) for f in ("config_table.cpp", "config_ai.cpp")]
    table = {}
    for path in filter(os.path.exists, paths):
        src = open(path).read()
        for chunk in re.split(r"(?:\badd|rows\.push_back)\(opt\(", src)[1:]:
            m = re.match(r'\s*"([a-z0-9-]+)"\s*,\s*t::(\w+)\)', chunk)
            if not m:
                continue
            only = re.search(r"\.only\(([^)]*)\)", chunk)
            if only and "from_env" not in only.group(1):
                continue
            info = {"type": m.group(2)}
            r = re.search(r"\.range\(\s*(\d+)\s*(?:ull)?\s*(?:<<\s*(\d+))?\s*,\s*([0-9a-zA-Z_ *<>]+?)\)", chunk)
            if r:
                info["min"] = int(r.group(1)) << int(r.group(2) or 0)
                hi = r.group(3).replace("ull", "").replace("kDay", "86400")
                if re.fullmatch(r"[0-9 *<>]+", hi):
                    info["max"] = eval(hi)  # digits and * / << only
            c = re.search(r"\.one_of\(\{([^}]*)\}\)", chunk)
            if c:
                info["choices"] = re.findall(r'"([^"]+)"', c.group(1))
            table["CHAT_" + m.group(1).upper().replace("-", "_")] = info
    if len(table) < 10:
        table = {name: {"type": "string"} for name in KNOWN_OPTIONS}
    return table


def check_option_values(ctx, settings, table):
    """Values the chart gives the node are inside the ranges/choices of the option table."""
    for name, value in settings.items():
        info = table.get(name)
        if not info or value is None:
            continue
        text = str(value)
        if info["type"] == "uint":
            if C.check(text.isdigit(), f"{ctx}: {name}={text!r} is not an unsigned integer"):
                n = int(text)
                C.check(info.get("min", 0) <= n <= info.get("max", n), f"{ctx}: {name}={n} outside {info.get('min')}..{info.get('max')}")
        elif info["type"] == "duration":
            d = drain_seconds(text)
            if C.check(d is not None, f"{ctx}: {name}={text!r} is not a duration"):
                C.check(info.get("min", 0) <= d <= info.get("max", d), f"{ctx}: {name}={d}s outside {info.get('min')}..{info.get('max')}")
        elif info["type"] == "choice":
            C.check(text.lower() in info.get("choices", []), f"{ctx}: {name}={text!r} is not one of {info.get('choices')}")
        elif info["type"] == "boolean":
            C.check(text.lower() in ("true", "false", "yes", "no", "on", "off", "1", "0"), f"{ctx}: {name}={text!r} is not a boolean")


def check_trusted_proxies(ctx, settings, values):
    """CHAT_TRUSTED_PROXIES: CIDR blocks the node accepts (strict: no host bits, as --trusted-proxies),
    and set whenever the chart routes clients through its Ingress or HTTPRoute."""
    raw = settings.get("CHAT_TRUSTED_PROXIES")
    if not C.check(raw is not None, f"{ctx}: CHAT_TRUSTED_PROXIES is not rendered (an empty value means trust nobody)"):
        return
    items = [i.strip() for i in str(raw).split(",") if i.strip()]
    for item in items:
        try:
            ipaddress.ip_network(item, strict=True)
            ok = True
        except ValueError:
            ok = False
        C.check(ok, f"{ctx}: CHAT_TRUSTED_PROXIES entry {item!r} is not a CIDR block the node accepts")
    routed = get(values, "ingress", "enabled") or get(values, "httpRoute", "enabled")
    if routed:
        C.check(items, f"{ctx}: an Ingress/HTTPRoute is enabled but CHAT_TRUSTED_PROXIES is empty: every client would share the proxy's rate limits")


def drain_seconds(text):
    """Seconds of a node duration: "30", "30s", "5m", "1h30m", "14d" (app/options.cpp parse_duration)."""
    text = str(text).strip()
    if re.fullmatch(r"\d+", text):
        return int(text)
    parts = re.findall(r"(\d+)([smhdSMHD])", text)
    if not parts or "".join(a + u for a, u in parts) != text:
        return None
    return sum(int(a) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[u.lower()] for a, u in parts)


def prestop_seconds(container):
    pre = get(container, "lifecycle", "preStop") or {}
    if "sleep" in pre:
        return int(pre["sleep"]["seconds"])
    cmd = " ".join(get(pre, "exec", "command") or [])
    m = re.search(r"\bsleep\s+(\d+)", cmd)
    return int(m.group(1)) if m else None


# ----------------------------------------------------------------------------------------------
# the assistant (ai.*)

AI_SECRET_ENV = {"CHAT_AI_API_KEY", "CHAT_AI_WEBHOOK_URL"}


def mounted_file(ctx, podspec, ctr, path):
    """(volume, item key) that serves file PATH through a read-only mount of the container, or (None, None)."""
    vols = {v["name"]: v for v in podspec.get("volumes") or []}
    for m in ctr.get("volumeMounts") or []:
        base = m.get("mountPath", "").rstrip("/") + "/"
        if not path.startswith(base) or m.get("subPath"):
            continue
        if not C.check(m.get("readOnly") is True, f"{ctx}: mount {m['mountPath']} of {path} is not readOnly"):
            return None, None
        vol = vols.get(m["name"]) or {}
        src = vol.get("secret") or vol.get("configMap") or {}
        rel = path[len(base):]
        key = next((i["key"] for i in src.get("items") or [] if i.get("path") == rel), None)
        return vol, key
    return None, None


def check_ai(ctx, values, podspec, ctr, env, env_cm):
    ai = values.get("ai") or {}
    names = set(env) | set(env_cm)
    ai_vars = {n for n in names if n.startswith("CHAT_AI_")}
    ai_vols = [v["name"] for v in podspec.get("volumes") or [] if v["name"].startswith("ai-")]
    if not ai.get("enabled"):
        C.check(not ai_vars and not ai_vols, f"{ctx}: ai.enabled is false but the pod has {sorted(ai_vars)} {ai_vols}")
        return
    # Secrets: never in a ConfigMap, never as a plain env value; the API key only as a file.
    C.check("CHAT_AI_API_KEY" not in names, f"{ctx}: CHAT_AI_API_KEY is set; the key must come as CHAT_AI_API_KEY_FILE")
    for n in AI_SECRET_ENV | {"CHAT_AI_API_KEY_FILE", "CHAT_AI_CA_FILE"}:
        C.check(n not in env_cm, f"{ctx}: {n} is in the ConfigMap")
    C.check(not any("value" in env[n] for n in AI_SECRET_ENV if n in env), f"{ctx}: an AI secret is a plain env value")
    backend_url = env_cm.get("CHAT_AI_URL")
    webhook = env.get("CHAT_AI_WEBHOOK_URL")
    C.check(bool(backend_url) != bool(webhook), f"{ctx}: want exactly one of CHAT_AI_URL / CHAT_AI_WEBHOOK_URL")
    if backend_url:
        C.check(backend_url == ai.get("url") and env_cm.get("CHAT_AI_MODEL") == ai.get("model"),
                f"{ctx}: CHAT_AI_URL/CHAT_AI_MODEL differ from ai.url/ai.model")
        C.check(not CRED_URL.search(backend_url), f"{ctx}: CHAT_AI_URL carries credentials")
    if webhook:
        ref = get(webhook, "valueFrom", "secretKeyRef") or {}
        C.check(ref.get("name") == ai.get("existingSecret") and ref.get("key") == ai.get("webhookUrlSecretKey"),
                f"{ctx}: CHAT_AI_WEBHOOK_URL must be secretKeyRef {ai.get('existingSecret')}/{ai.get('webhookUrlSecretKey')}, got {ref}")
    # The API key: a Secret item mounted read-only, readable by the node's uid through fsGroup.
    key_file = get(env.get("CHAT_AI_API_KEY_FILE"), "value")
    if C.check(bool(key_file) == bool(ai.get("existingSecretKey")), f"{ctx}: CHAT_AI_API_KEY_FILE={key_file!r} with ai.existingSecretKey={ai.get('existingSecretKey')!r}") and key_file:
        vol, key = mounted_file(ctx, podspec, ctr, key_file)
        C.check(get(vol, "secret", "secretName") == ai.get("existingSecret") and key == ai.get("existingSecretKey"),
                f"{ctx}: CHAT_AI_API_KEY_FILE {key_file} is not item {ai.get('existingSecretKey')} of Secret {ai.get('existingSecret')}")
        C.check(len(get(vol, "secret", "items", default=[])) == 1, f"{ctx}: the API key volume mounts more than the key")
        mode = get(vol, "secret", "defaultMode", default=0o644)
        C.check(mode & 0o004 or (mode & 0o040 and get(podspec, "securityContext", "fsGroup") is not None),
                f"{ctx}: the API key file (mode {oct(mode)}) is not readable by the node")
    ca_file = get(env.get("CHAT_AI_CA_FILE"), "value")
    ca_src = ai.get("caConfigMap") or ai.get("caSecret")
    if C.check(bool(ca_file) == bool(ca_src), f"{ctx}: CHAT_AI_CA_FILE={ca_file!r} with caConfigMap/caSecret {ca_src!r}") and ca_file:
        vol, key = mounted_file(ctx, podspec, ctr, ca_file)
        name = get(vol, "configMap", "name") or get(vol, "secret", "secretName")
        C.check(name == ca_src and key == ai.get("caKey"), f"{ctx}: CHAT_AI_CA_FILE {ca_file} is not item {ai.get('caKey')} of {ca_src}")
    # Non-secret options: given ones rendered, 0/"" left to the node.
    for key, var, fmt in (("name", "CHAT_AI_NAME", str), ("systemPrompt", "CHAT_AI_SYSTEM_PROMPT", str),
                          ("contextMessages", "CHAT_AI_CONTEXT_MESSAGES", str), ("requestsPerHour", "CHAT_AI_REQUESTS_PER_HOUR", str),
                          ("maxConcurrent", "CHAT_AI_MAX_CONCURRENT", str), ("idleTimeoutSeconds", "CHAT_AI_IDLE_TIMEOUT", "{}s".format),
                          ("timeoutSeconds", "CHAT_AI_TIMEOUT", "{}s".format)):
        want = fmt(ai[key]) if ai.get(key) else None
        C.check(env_cm.get(var) == want, f"{ctx}: {var}={env_cm.get(var)!r}, want {want!r} from ai.{key}")


# ----------------------------------------------------------------------------------------------
# manifest checks (one rendered scenario)

def check_manifests(ctx, docs, values, opts, metrics):
    # --- every object -------------------------------------------------------------------------
    seen = set()
    for d in docs:
        key = (d.get("kind"), get(d, "metadata", "namespace"), get(d, "metadata", "name"))
        C.check(d.get("apiVersion") and d.get("kind") and key[2], f"{ctx}: object without apiVersion/kind/name: {key}")
        C.check(key not in seen, f"{ctx}: duplicate object {key}")
        seen.add(key)
        C.check(len(str(key[2])) <= 63, f"{ctx}: name longer than 63 characters: {key[2]}")

    deployments = [d for d in by_kind(docs, "Deployment")]
    C.check(len(deployments) == 1, f"{ctx}: expected one Deployment, found {len(deployments)}")
    if not deployments:
        return
    dep = deployments[0]
    dep_name = dep["metadata"]["name"]
    pod = dep["spec"]["template"]
    pod_labels = pod["metadata"].get("labels") or {}
    podspec = pod["spec"]
    containers = podspec["containers"]
    ctr = next((c for c in containers if c["name"] == "chat-node"), None)
    if not C.check(ctr is not None, f"{ctx}: no container named chat-node"):
        return
    ports = {p["name"]: p["containerPort"] for p in ctr.get("ports", [])}

    # --- ports and probes ---------------------------------------------------------------------
    C.check(ports.get("http") == NODE_HTTP_PORT, f"{ctx}: container port http is {ports.get('http')}, node listens on {NODE_HTTP_PORT}")
    C.check(ports.get("internal") == NODE_INTERNAL_PORT,
            f"{ctx}: container port internal is {ports.get('internal')}, node listens on {NODE_INTERNAL_PORT}")

    def probe_target(probe):
        hg = (probe or {}).get("httpGet") or {}
        port = hg.get("port")
        return hg.get("path"), (ports.get(port) if isinstance(port, str) else port)

    for name, path in (("livenessProbe", LIVE_PATH), ("readinessProbe", READY_PATH)):
        p, port = probe_target(ctr.get(name))
        C.check(p == path, f"{ctx}: {name} path is {p!r}, the node serves {path}")
        C.check(port == NODE_INTERNAL_PORT, f"{ctx}: {name} port resolves to {port}, health is on the internal port {NODE_INTERNAL_PORT}")
    if ctr.get("startupProbe"):
        p, port = probe_target(ctr["startupProbe"])
        C.check(p in (LIVE_PATH, READY_PATH, "/healthz") and port == NODE_INTERNAL_PORT,
                f"{ctx}: startupProbe {p!r} on {port} is not a health endpoint on the internal port")

    # --- config map and env -------------------------------------------------------------------
    configmaps = {c["metadata"]["name"]: c for c in by_kind(docs, "ConfigMap")}
    env_cm = {}
    for src in ctr.get("envFrom") or []:
        ref = get(src, "configMapRef", "name")
        if ref and ref in configmaps:
            env_cm.update(configmaps[ref].get("data") or {})
    C.check(env_cm, f"{ctx}: the container loads no ConfigMap of this chart through envFrom")
    env = {e["name"]: e for e in ctr.get("env") or []}
    C.check(len(env) == len(ctr.get("env") or []), f"{ctx}: duplicate env var names")
    for name in list(env) + list(env_cm):
        C.check(name.startswith("CHAT_") and name in opts, f"{ctx}: env var {name} is not a known node option")
    settings = dict(env_cm)
    settings.update({n: e["value"] for n, e in env.items() if "value" in e})
    check_option_values(ctx, settings, opts)
    check_trusted_proxies(ctx, settings, values)
    C.check(str(env_cm.get("CHAT_PORT", NODE_HTTP_PORT)) == str(ports.get("http")),
            f"{ctx}: CHAT_PORT {env_cm.get('CHAT_PORT')} differs from container port http {ports.get('http')}")
    C.check(str(env_cm.get("CHAT_INTERNAL_PORT", NODE_INTERNAL_PORT)) == str(ports.get("internal")),
            f"{ctx}: CHAT_INTERNAL_PORT {env_cm.get('CHAT_INTERNAL_PORT')} differs from container port internal {ports.get('internal')}")
    C.check(get(env.get("CHAT_SERVER_ID"), "valueFrom", "fieldRef", "fieldPath") == "metadata.name",
            f"{ctx}: CHAT_SERVER_ID must be the pod name (fieldRef metadata.name)")
    redis = env.get("CHAT_REDIS_URL")
    if C.check(redis is not None, f"{ctx}: CHAT_REDIS_URL is not set"):
        ext = values.get("externalRedis", {})
        if "value" in redis:
            C.check(not CRED_URL.search(str(redis["value"])), f"{ctx}: CHAT_REDIS_URL has a password in plain env")
            C.check(not (ext.get("existingSecret") or ext.get("password") or ext.get("url")),
                    f"{ctx}: a Redis secret is configured but CHAT_REDIS_URL is plain text")
        else:
            ref = get(redis, "valueFrom", "secretKeyRef") or {}
            if ext.get("existingSecret") and not values.get("redis", {}).get("enabled"):
                C.check(ref.get("name") == ext["existingSecret"] and ref.get("key") == ext.get("existingSecretUrlKey"),
                        f"{ctx}: CHAT_REDIS_URL must come from externalRedis.existingSecret")
            else:
                names = [s["metadata"]["name"] for s in by_kind(docs, "Secret")]
                C.check(ref.get("name") in names, f"{ctx}: CHAT_REDIS_URL references Secret {ref.get('name')} that the chart does not create")

    for cm in configmaps.values():
        for k, v in (cm.get("data") or {}).items():
            C.check(not CRED_URL.search(str(v)), f"{ctx}: ConfigMap {cm['metadata']['name']} key {k} holds a URL with credentials")
            C.check(not (SECRET_KEY.search(k) and str(v).strip()),
                    f"{ctx}: ConfigMap {cm['metadata']['name']} key {k} looks like a secret")

    check_ai(ctx, values, podspec, ctr, env, env_cm)

    # --- drain --------------------------------------------------------------------------------
    grace = podspec.get("terminationGracePeriodSeconds")
    pre = prestop_seconds(ctr)
    drain_raw = get(env.get("CHAT_DRAIN_TIMEOUT"), "value", default=env_cm.get("CHAT_DRAIN_TIMEOUT", "30s"))
    drain = drain_seconds(drain_raw)
    C.check(pre is not None, f"{ctx}: no preStop sleep")
    C.check(drain is not None, f"{ctx}: CHAT_DRAIN_TIMEOUT {drain_raw!r} is not a duration")
    if C.check(isinstance(grace, int), f"{ctx}: terminationGracePeriodSeconds is not set"):
        C.check(grace >= (pre or 0) + (drain or 0),
                f"{ctx}: terminationGracePeriodSeconds {grace} < preStop {pre} + drain {drain}")

    # --- security -----------------------------------------------------------------------------
    psc, csc = podspec.get("securityContext") or {}, ctr.get("securityContext") or {}
    C.check(psc.get("runAsNonRoot") is True and psc.get("runAsUser") == 1000, f"{ctx}: pod must run as non-root uid 1000")
    C.check(csc.get("readOnlyRootFilesystem") is True, f"{ctx}: root filesystem not read-only")
    C.check(csc.get("allowPrivilegeEscalation") is False, f"{ctx}: privilege escalation allowed")
    C.check("ALL" in (get(csc, "capabilities", "drop") or []), f"{ctx}: capabilities not dropped")
    C.check("RuntimeDefault" in (get(psc, "seccompProfile", "type"), get(csc, "seccompProfile", "type")),
            f"{ctx}: no RuntimeDefault seccomp profile")
    vols = {v["name"]: v for v in podspec.get("volumes") or []}
    tmp = [m for m in ctr.get("volumeMounts") or [] if m.get("mountPath") == "/tmp"]
    C.check(tmp and "emptyDir" in vols.get(tmp[0]["name"], {}), f"{ctx}: /tmp is not an emptyDir (read-only root fs)")
    C.check(re.fullmatch(r"[0-9a-f]{64}", str(get(pod, "metadata", "annotations", "checksum/config", default=""))),
            f"{ctx}: pod template has no checksum/config annotation")

    # --- selectors ----------------------------------------------------------------------------
    sel = get(dep, "spec", "selector", "matchLabels") or {}
    C.check(set(sel) == SELECTOR_KEYS, f"{ctx}: Deployment selector keys {sorted(sel)} != {sorted(SELECTOR_KEYS)}")
    C.check(all(pod_labels.get(k) == v for k, v in sel.items()), f"{ctx}: Deployment selector is not a subset of the pod labels")
    for tsc in podspec.get("topologySpreadConstraints") or []:
        C.check(get(tsc, "labelSelector", "matchLabels") == sel, f"{ctx}: topologySpreadConstraint selector != selectorLabels")

    services = {s["metadata"]["name"]: s for s in by_kind(docs, "Service")}
    chat_services = {n: s for n, s in services.items() if selects({"matchLabels": s["spec"].get("selector") or {}}, pod_labels)
                     and s["spec"].get("selector")}
    C.check(dep_name in chat_services, f"{ctx}: no Service {dep_name} selecting the chat pods")
    for n, s in chat_services.items():
        C.check(s["spec"]["selector"] == sel, f"{ctx}: Service {n} selector != selectorLabels")
        for p in s["spec"]["ports"]:
            t = p.get("targetPort", p["port"])
            ok = (t in ports) if isinstance(t, str) else (t in ports.values())
            C.check(ok, f"{ctx}: Service {n} port {p.get('name')} targets {t!r}, which is no container port")
    workloads = [w for w in docs if w.get("kind") in ("Deployment", "StatefulSet", "DaemonSet")]
    for n, s in services.items():
        if not s["spec"].get("selector"):
            continue
        hits = [w["metadata"]["name"] for w in workloads if selects({"matchLabels": s["spec"]["selector"]}, get(w, "spec", "template", "metadata", "labels"))]
        C.check(len(hits) == 1, f"{ctx}: Service {n} selects the pods of {hits}; want exactly one workload")
    for w in workloads:
        if w is not dep:
            C.check(not selects({"matchLabels": sel}, get(w, "spec", "template", "metadata", "labels")),
                    f"{ctx}: the chat selector also matches the pods of {w['kind']} {w['metadata']['name']}")
    main = services.get(dep_name)
    if main:
        http = [p for p in main["spec"]["ports"] if p.get("targetPort") == "http"]
        C.check(http and http[0]["port"] == values["service"]["port"], f"{ctx}: Service {dep_name} has no port → http")

    # --- PDB / HPA ----------------------------------------------------------------------------
    auto = values["autoscaling"]
    min_pods = auto["minReplicas"] if auto["enabled"] else values["replicaCount"]
    pdbs = by_kind(docs, "PodDisruptionBudget")
    want_pdb = values["podDisruptionBudget"]["enabled"] and min_pods > 1
    C.check(len(pdbs) == (1 if want_pdb else 0), f"{ctx}: {len(pdbs)} PDB(s) with at least {min_pods} pod(s); want {int(want_pdb)}")
    for pdb in pdbs:
        C.check(get(pdb, "spec", "selector", "matchLabels") == sel, f"{ctx}: PDB selector != selectorLabels")
        C.check(("minAvailable" in pdb["spec"]) != ("maxUnavailable" in pdb["spec"]), f"{ctx}: PDB needs exactly one of minAvailable/maxUnavailable")
    hpas = by_kind(docs, "HorizontalPodAutoscaler")
    C.check(len(hpas) == (1 if auto["enabled"] else 0), f"{ctx}: {len(hpas)} HPA(s) with autoscaling.enabled={auto['enabled']}")
    if auto["enabled"]:
        C.check("replicas" not in dep["spec"], f"{ctx}: Deployment sets replicas although the HPA owns them")
    else:
        C.check(dep["spec"].get("replicas") == values["replicaCount"], f"{ctx}: Deployment replicas != replicaCount")
    for hpa in hpas:
        C.check(hpa["apiVersion"] == "autoscaling/v2", f"{ctx}: HPA is not autoscaling/v2")
        C.check(get(hpa, "spec", "scaleTargetRef", "name") == dep_name and get(hpa, "spec", "scaleTargetRef", "kind") == "Deployment",
                f"{ctx}: HPA does not target the Deployment")
        C.check((get(hpa, "spec", "behavior", "scaleDown", "stabilizationWindowSeconds") or 0) >= 300,
                f"{ctx}: HPA scale-down stabilization is shorter than 5 minutes")
        pods_metrics = [get(m, "pods", "metric", "name") for m in hpa["spec"].get("metrics") or [] if m.get("type") == "Pods"]
        if auto["connectionsMetric"]["enabled"]:
            C.check("chatnode_connections" in pods_metrics, f"{ctx}: HPA has no chatnode_connections Pods metric")
        for m in pods_metrics:
            C.check(m in metrics, f"{ctx}: HPA Pods metric {m} is not exported by the node")
        C.check(hpa["spec"].get("metrics"), f"{ctx}: HPA without metrics")

    # --- ServiceMonitor -----------------------------------------------------------------------
    sms = by_kind(docs, "ServiceMonitor")
    C.check(len(sms) == (1 if values["metrics"]["serviceMonitor"]["enabled"] else 0), f"{ctx}: ServiceMonitor count {len(sms)}")
    for sm in sms:
        eps = sm["spec"]["endpoints"]
        C.check(len(eps) == 1 and eps[0].get("port") == "internal" and eps[0].get("path") == "/metrics",
                f"{ctx}: ServiceMonitor must scrape port internal path /metrics, got {eps}")
        picked = [n for n, s in services.items() if selects(sm["spec"]["selector"], get(s, "metadata", "labels"))]
        C.check(len(picked) == 1, f"{ctx}: ServiceMonitor selects {len(picked)} Services {picked}; want exactly one (no double scrape)")
        for n in picked:
            C.check(any(p.get("name") == "internal" and p.get("targetPort") == "internal" for p in services[n]["spec"]["ports"]),
                    f"{ctx}: Service {n} picked by the ServiceMonitor has no port named internal")
        C.check(selects({"matchLabels": sm["spec"]["selector"].get("matchLabels")}, pod_labels),
                f"{ctx}: ServiceMonitor selector does not match the chat pods' labels")

    # --- Ingress / HTTPRoute ------------------------------------------------------------------
    for ing in by_kind(docs, "Ingress"):
        for rule in ing["spec"]["rules"]:
            for p in rule["http"]["paths"]:
                svc = get(p, "backend", "service") or {}
                target = services.get(svc.get("name"))
                if C.check(target, f"{ctx}: Ingress backend {svc.get('name')} is no Service of the chart"):
                    port = svc.get("port") or {}
                    C.check(any(sp.get("name") == port.get("name") or sp["port"] == port.get("number") for sp in target["spec"]["ports"]),
                            f"{ctx}: Ingress backend port {port} does not exist on Service {svc.get('name')}")
                    C.check(any(sp.get("targetPort") == "http" and (sp.get("name") == port.get("name") or sp["port"] == port.get("number"))
                                for sp in target["spec"]["ports"]), f"{ctx}: Ingress must route to the client (http) port")
    for route in by_kind(docs, "HTTPRoute"):
        C.check(route["spec"].get("parentRefs"), f"{ctx}: HTTPRoute without parentRefs")
        for rule in route["spec"]["rules"]:
            for b in rule["backendRefs"]:
                target = services.get(b["name"])
                if C.check(target, f"{ctx}: HTTPRoute backend {b['name']} is no Service of the chart"):
                    C.check(any(sp["port"] == b["port"] and sp.get("targetPort") == "http" for sp in target["spec"]["ports"]),
                            f"{ctx}: HTTPRoute backend port {b['port']} is not the Service's http port")

    # --- Secrets ------------------------------------------------------------------------------
    for s in by_kind(docs, "Secret"):
        for k, v in (s.get("data") or {}).items():
            try:
                base64.b64decode(v, validate=True)
            except Exception:
                C.check(False, f"{ctx}: Secret {s['metadata']['name']} key {k} is not base64")

    # --- dashboard ConfigMap ------------------------------------------------------------------
    dash_cms = [c for c in configmaps.values() if "chat-node.json" in (c.get("data") or {})]
    C.check(len(dash_cms) == (1 if values["metrics"]["grafanaDashboard"]["enabled"] else 0), f"{ctx}: dashboard ConfigMap count {len(dash_cms)}")
    for cm in dash_cms:
        C.check(get(cm, "metadata", "labels", "grafana_dashboard") == "1", f"{ctx}: dashboard ConfigMap lacks label grafana_dashboard: \"1\"")
        try:
            d = json.loads(cm["data"]["chat-node.json"])
            C.check(d.get("uid") and d.get("panels"), f"{ctx}: dashboard in ConfigMap has no uid/panels")
        except ValueError as e:
            C.check(False, f"{ctx}: dashboard in ConfigMap is not JSON: {e}")


# ----------------------------------------------------------------------------------------------
# dashboard

PROMQL_WORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset", "inf", "nan"}


def promql_metrics(expr):
    """Metric names referenced by a PromQL expression (or a label_values() query)."""
    e = re.sub(r'"(\\.|[^"\\])*"', '""', expr)
    e = re.sub(r"\{[^}]*\}", "", e)
    e = re.sub(r"\[[^\]]*\]", "", e)
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", e)
    e = re.sub(r"\$\{?\w+\}?", "", e)  # $__rate_interval, ${datasource}
    names = set()
    for m in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", e):
        word = m.group(0)
        rest = e[m.end():].lstrip()
        if rest.startswith("(") or word.lower() in PROMQL_WORDS:
            continue
        if m.start() > 0 and (e[m.start() - 1].isdigit() or e[m.start() - 1] == "."):
            continue  # 1e3, 0.5
        if word == "label_values":
            continue
        names.add(word)
    # label_values(metric, label): the metric is the first argument.
    for m in re.finditer(r"label_values\(\s*([A-Za-z_:][A-Za-z0-9_:]*)", expr):
        names.add(m.group(1))
    for m in re.finditer(r"label_values\(\s*([A-Za-z_:][A-Za-z0-9_:]*)\s*,\s*([A-Za-z_]+)\s*\)", re.sub(r"\{[^}]*\}", "", expr)):
        names.discard(m.group(2))
    return names


def walk_panels(panels):
    for p in panels or []:
        yield p
        yield from walk_panels(p.get("panels"))


def check_dashboard(path, metrics):
    ctx = os.path.basename(path)
    raw = open(path).read()
    try:
        d = json.loads(raw)
    except ValueError as e:
        C.check(False, f"{ctx}: not JSON: {e}")
        return
    C.check(isinstance(d, dict) and "dashboard" not in d, f"{ctx}: wrapped in {{\"dashboard\": ...}} (API format); ship the raw model")
    C.check(d.get("title"), f"{ctx}: no title")
    C.check(re.fullmatch(r"[A-Za-z0-9_-]{1,40}", str(d.get("uid", ""))), f"{ctx}: no stable uid")
    C.check("chat-node" in (d.get("tags") or []), f"{ctx}: tags lack chat-node")
    C.check(d.get("refresh") == "30s", f"{ctx}: refresh is {d.get('refresh')!r}, want 30s")
    C.check(d.get("id") in (None,), f"{ctx}: dashboard carries an instance id; drop it so imports do not clash")
    variables = {v["name"]: v for v in get(d, "templating", "list", default=[])}
    C.check(get(variables, "datasource", "type") == "datasource" and get(variables, "datasource", "query") == "prometheus",
            f"{ctx}: no prometheus datasource variable")
    for var in ("namespace", "pod"):
        q = get(variables, var, "query")
        q = q.get("query") if isinstance(q, dict) else q
        C.check(q and "chatnode_build_info" in q, f"{ctx}: variable {var} does not come from chatnode_build_info")
    panels = list(walk_panels(d.get("panels")))
    C.check(len([p for p in panels if p.get("type") != "row"]) >= 10, f"{ctx}: fewer than 10 panels")
    exprs = []
    for p in panels:
        for t in p.get("targets") or []:
            if t.get("expr"):
                exprs.append((p.get("title"), t["expr"]))
        if p.get("type") != "row":
            C.check(get(p, "datasource", "uid") == "${datasource}", f"{ctx}: panel {p.get('title')!r} does not use ${{datasource}}")
    for v in variables.values():
        q = v.get("query")
        q = q.get("query") if isinstance(q, dict) else q
        if v.get("type") == "query" and q:
            exprs.append((f"variable {v['name']}", q))
    C.check(len(exprs) >= 10, f"{ctx}: only {len(exprs)} queries")
    allowed = set(metrics)
    for name, kind in metrics.items():
        if kind == "Histogram":
            allowed |= {name + "_bucket", name + "_sum", name + "_count"}
    used = set()
    for title, expr in exprs:
        names = promql_metrics(expr)
        C.check(names, f"{ctx}: {title!r}: no metric found in {expr!r}")
        for n in names:
            used.add(n)
            C.check(n in allowed, f"{ctx}: {title!r} uses {n}, which the node does not export")
        if "rate(" in expr or "increase(" in expr:
            C.check("$__rate_interval" in expr, f"{ctx}: {title!r}: rate() without $__rate_interval")
        if "histogram_quantile" in expr:
            C.check(re.search(r"_bucket\b", expr) and re.search(r"by\s*\([^)]*\ble\b", expr),
                    f"{ctx}: {title!r}: histogram_quantile needs sum by (le) over _bucket")
    C.check(any(n.startswith("chatnode_connections") for n in used), f"{ctx}: no connections panel")
    for name, kind in metrics.items():
        if name.startswith("chatnode_ai_"):
            C.check((name + "_bucket" if kind == "Histogram" else name) in used, f"{ctx}: the Assistant row does not show {name}")
    ids = [p.get("id") for p in panels]
    C.check(len(ids) == len(set(ids)) and None not in ids, f"{ctx}: panel ids are missing or not unique")
    boxes = []
    for p in panels:
        g = p.get("gridPos") or {}
        if not C.check(all(isinstance(g.get(k), int) for k in "xywh") and g["x"] + g["w"] <= 24,
                       f"{ctx}: panel {p.get('title')!r} has no valid gridPos {g}"):
            continue
        for q, h in boxes:
            C.check(not (g["x"] < h["x"] + h["w"] and h["x"] < g["x"] + g["w"] and g["y"] < h["y"] + h["h"] and h["y"] < g["y"] + g["h"]),
                    f"{ctx}: panels {p.get('title')!r} and {q!r} overlap")
        boxes.append((p.get("title"), g))


# ----------------------------------------------------------------------------------------------
# static checks of the chart sources

KEY_LINE = re.compile(r"^(\s*)(- )?([A-Za-z_][\w.-]*|\"[^\"]+\"):(\s|$)")


def check_values_comments(path):
    """A comment directly above every key of values.yaml (keys continuing a list item excepted)."""
    lines = open(path).read().split("\n")
    item_col = None  # column of the keys inside the current list item
    for i, line in enumerate(lines):
        m = KEY_LINE.match(line)
        if not m:
            continue
        col = len(m.group(1))
        if m.group(2):
            item_col = col + 2
        elif item_col is not None and col == item_col:
            continue  # second key of a list item
        elif item_col is not None and col < item_col:
            item_col = None
        prev = next((lines[j].strip() for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        C.check(prev.startswith("#"), f"values.yaml:{i + 1}: key {m.group(3)!r} has no comment above it")


def schema_paths(schema, values, prefix, out):
    props = schema.get("properties")
    if props is None or not isinstance(values, dict):
        return
    for k, v in values.items():
        if k not in props:
            out.append(f"values key {prefix}{k} is not in values.schema.json")
        else:
            schema_paths(props[k], v, f"{prefix}{k}.", out)
    for k in props:
        if k not in values and values:  # an empty {} in values.yaml is an open slot (e.g. httpRoute.timeouts)
            out.append(f"schema key {prefix}{k} is not in values.yaml")


def check_static(chart):
    values = yaml.safe_load(open(os.path.join(chart, "values.yaml")))
    schema = json.load(open(os.path.join(chart, "values.schema.json")))
    C.check(schema.get("$schema", "").startswith("http://json-schema.org/draft-07"), "values.schema.json is not draft-07")
    C.check(schema.get("additionalProperties") is False, "values.schema.json allows unknown top-level keys")
    problems = []
    schema_paths(schema, values, "", problems)
    for p in problems:
        C.check(False, p)
    C.check(not problems, "values.yaml and values.schema.json cover the same keys")
    check_values_comments(os.path.join(chart, "values.yaml"))

    meta = yaml.safe_load(open(os.path.join(chart, "Chart.yaml")))
    for k in ("apiVersion", "name", "version", "appVersion", "type", "home", "sources", "keywords", "maintainers"):
        C.check(meta.get(k), f"Chart.yaml lacks {k}")
    C.check(meta.get("apiVersion") == "v2" and meta.get("type") == "application", "Chart.yaml: want apiVersion v2, type application")
    C.check(re.fullmatch(r"\d+\.\d+\.\d+([-+].*)?", str(meta.get("version"))), "Chart.yaml version is not SemVer")
    C.check(isinstance(meta.get("appVersion"), str), "Chart.yaml appVersion must be a quoted string")

    tdir = os.path.join(chart, "templates")
    sources = {p: open(p).read() for p in glob.glob(os.path.join(tdir, "*"))}
    defines = set()
    for s in sources.values():
        defines.update(re.findall(r"define\s+\"([^\"]+)\"", s))
    for p, s in sources.items():
        for inc in re.findall(r"include\s+\"([^\"]+)\"", s):
            C.check(inc in defines, f"{os.path.basename(p)}: include {inc!r} has no define")
        for path in set(re.findall(r"\.Values\.([A-Za-z0-9_.]+)", s)):
            node = values
            for part in path.strip(".").split("."):
                if not isinstance(node, dict):
                    break
                if not C.check(part in node, f"{os.path.basename(p)}: .Values.{path} is not in values.yaml"):
                    break
                node = node[part]
        C.check("tpl " not in s or "chat-node.json" not in s, f"{os.path.basename(p)}: the dashboard must not go through tpl")
    for kind_file in ("deployment.yaml", "configmap.yaml", "service.yaml", "service-headless.yaml", "ingress.yaml", "httproute.yaml",
                      "hpa.yaml", "poddisruptionbudget.yaml", "servicemonitor.yaml", "serviceaccount.yaml", "secret.yaml",
                      "grafana-dashboard-configmap.yaml", "redis.yaml", "NOTES.txt", "_helpers.tpl"):
        C.check(os.path.join(tdir, kind_file) in sources, f"templates/{kind_file} is missing")
    for helper in ("name", "fullname", "chart", "labels", "selectorLabels", "serviceAccountName", "image", "namespace", "redisUrlEnv"):
        C.check(f"chat-node.{helper}" in defines, f"_helpers.tpl lacks chat-node.{helper}")


# ----------------------------------------------------------------------------------------------
# variations rendered here: behaviour that the ci scenarios alone would not pin down

class Renderer:
    def __init__(self, binary, chart):
        self.binary, self.chart = binary, chart

    def run(self, *args):
        return subprocess.run([self.binary, "--strict", *args, self.chart], capture_output=True, text=True)

    def docs(self, *args):
        r = self.run(*args)
        if not C.check(r.returncode == 0, f"render {' '.join(args)} failed: {r.stderr.strip()}"):
            return []
        return load_docs(r.stdout)

    def values(self, *args):
        r = self.run("--show-values", *args)
        return yaml.safe_load(r.stdout) if r.returncode == 0 else {}


def check_variations(rd, opts, metrics):
    def scenario(name, *args):
        docs = rd.docs(*args)
        if docs:
            check_manifests(name, docs, rd.values(*args), opts, metrics)
        return docs

    # PDB follows the pod count.
    scenario("replicaCount=2", "--set", "replicaCount=2")
    scenario("autoscaling min 1", "--set", "replicaCount=3", "--set", "autoscaling.enabled=true", "--set", "autoscaling.minReplicas=1")
    # Inline password: a Secret, referenced by secretKeyRef, and the password appears nowhere in clear.
    pw = "pw-Zq81xK"
    docs = scenario("inline password", "--set", f"externalRedis.password={pw}")
    secrets = by_kind(docs, "Secret")
    C.check(len(secrets) == 1, f"inline password: expected one Secret, found {len(secrets)}")
    C.check(pw not in yaml.safe_dump_all(docs), "inline password: the password appears in clear in the manifests")
    if secrets:
        url = base64.b64decode(secrets[0]["data"]["redis-url"]).decode()
        C.check(url == f"redis://:{pw}@redis:6379/0", f"inline password: Secret holds {url!r}")
    # No Secret when the URL comes from an existing Secret.
    docs = scenario("existingSecret", "--set", "externalRedis.existingSecret=mine", "--set", "externalRedis.password=ignored")
    C.check(not by_kind(docs, "Secret"), "existingSecret: the chart must not create a Secret")
    # Refused combinations.
    r = rd.run("--set", "terminationGracePeriodSeconds=10")
    C.check(r.returncode != 0 and "terminationGracePeriodSeconds" in r.stderr, "a grace period below preStop + drain must be refused")
    r = rd.run("--set", "redis.enabled=true", "--set", "externalRedis.existingSecret=x")
    C.check(r.returncode != 0, "redis.enabled together with externalRedis.existingSecret must be refused")
    r = rd.run("--set", "httpRoute.enabled=true")
    C.check(r.returncode != 0 and "parentRefs" in r.stderr, "an HTTPRoute without parentRefs must be refused")
    # The grace period follows the drain budget; a config change rolls the pods.
    docs = scenario("drain 100s", "--set", "config.drainTimeoutSeconds=100")
    dep = next(iter(by_kind(docs, "Deployment")), {})
    C.check(get(dep, "spec", "template", "spec", "terminationGracePeriodSeconds", default=0) >= 105,
            "the default grace period does not grow with config.drainTimeoutSeconds")
    a = get(next(iter(by_kind(rd.docs(), "Deployment")), {}), "spec", "template", "metadata", "annotations", "checksum/config")
    b = get(next(iter(by_kind(rd.docs("--set", "config.logLevel=debug"), "Deployment")), {}),
            "spec", "template", "metadata", "annotations", "checksum/config")
    C.check(a and b and a != b, "checksum/config does not change when the config changes")
    # Probes are replaced wholesale.
    docs = rd.docs("--set", "readinessProbe.tcpSocket.port=internal")
    ctr = get(next(iter(by_kind(docs, "Deployment")), {}), "spec", "template", "spec", "containers", 0, default={})
    C.check(get(ctr, "readinessProbe") == {"tcpSocket": {"port": "internal"}}, "a readinessProbe override is not taken wholesale")
    # Trusted proxies: a narrowed pod CIDR is rendered as given; "" (trust nobody) is rendered too.
    for value in ("10.244.0.0/16", ""):
        docs = rd.docs("--set", f"config.trustedProxies={value}")
        cm = next(iter(by_kind(docs, "ConfigMap")), {})
        C.check(get(cm, "data", "CHAT_TRUSTED_PROXIES") == value,
                f"config.trustedProxies={value!r} renders CHAT_TRUSTED_PROXIES={get(cm, 'data', 'CHAT_TRUSTED_PROXIES')!r}")
    # Native preStop sleep.
    docs = scenario("native sleep", "--set", "lifecycle.nativeSleep=true")
    check_ai_variations(rd, scenario)
    # Naming: fullnameOverride and 63-character truncation.
    docs = rd.docs("--set", "fullnameOverride=" + "x" * 70)
    C.check(all(len(d["metadata"]["name"]) <= 63 for d in docs), "fullnameOverride is not truncated to 63 characters")


def check_ai_variations(rd, scenario):
    """ai.*: off renders nothing even with a url; the webhook only from the Secret; Ollama without a key;
    the refused combinations fail with a message naming the values."""
    docs = scenario("ai off with a url", "--set", "ai.url=http://ollama:11434/v1", "--set", "ai.model=llama3.2")
    C.check("CHAT_AI_" not in yaml.safe_dump_all(docs) and "ai-api-key" not in yaml.safe_dump_all(docs),
            "ai off: something of the assistant is rendered")
    ollama = ("--set", "ai.enabled=true", "--set", "ai.url=http://ollama:11434/v1", "--set", "ai.model=llama3.2")
    docs = scenario("ai ollama", *ollama)
    ctr = get(next(iter(by_kind(docs, "Deployment")), {}), "spec", "template", "spec", "containers", 0, default={})
    C.check(not any(e["name"].startswith("CHAT_AI_") for e in ctr.get("env") or []) and
            not any(m["name"].startswith("ai-") for m in ctr.get("volumeMounts") or []),
            "ai ollama: no key, no CA: the pod needs no AI env entry or mount")
    hook = "https://n8n.example.com/webhook/0b6f-secret-path"
    docs = scenario("ai webhook", "--set", "ai.enabled=true", "--set", "ai.existingSecret=chat-ai",
                    "--set", "ai.webhookUrlSecretKey=webhook-url", "--set", "ai.caSecret=corp-ca")
    ctr = get(next(iter(by_kind(docs, "Deployment")), {}), "spec", "template", "spec", "containers", 0, default={})
    env = {e["name"]: e for e in ctr.get("env") or []}
    C.check(get(env, "CHAT_AI_WEBHOOK_URL", "valueFrom", "secretKeyRef") == {"name": "chat-ai", "key": "webhook-url"},
            f"ai webhook: CHAT_AI_WEBHOOK_URL is {env.get('CHAT_AI_WEBHOOK_URL')}")
    C.check("CHAT_AI_API_KEY_FILE" not in env, "ai webhook: no existingSecretKey, yet an API key file")
    # n8n Header Auth: the same Secret may hold a key, sent as Authorization: Bearer (mounted like above).
    scenario("ai webhook + key", "--set", "ai.enabled=true", "--set", "ai.existingSecret=chat-ai",
             "--set", "ai.webhookUrlSecretKey=webhook-url", "--set", "ai.existingSecretKey=api-key")
    # A config change of the assistant rolls the pods.
    a = get(next(iter(by_kind(rd.docs(*ollama), "Deployment")), {}), "spec", "template", "metadata", "annotations", "checksum/config")
    b = get(next(iter(by_kind(rd.docs(*ollama, "--set", "ai.model=qwen2.5"), "Deployment")), {}),
            "spec", "template", "metadata", "annotations", "checksum/config")
    C.check(a and b and a != b, "checksum/config does not change with ai.model")
    refused = (
        (("--set", "ai.enabled=true"), "needs a backend"),
        (("--set", "ai.enabled=true", "--set", "ai.url=http://x/v1", "--set", "ai.model=m", "--set", "ai.existingSecret=s",
          "--set", "ai.webhookUrlSecretKey=w"), "exclude each other"),
        (("--set", "ai.enabled=true", "--set", "ai.url=http://x/v1"), "ai.model"),
        ((*ollama, "--set", "ai.existingSecretKey=api-key"), "set ai.existingSecret"),
        ((*ollama, "--set", "ai.existingSecret=chat-ai"), "unused"),
        ((*ollama, "--set", "ai.apiKey=sk-inline"), "never inline"),
        ((*ollama, "--set", f"ai.webhookUrl={hook}"), "never inline"),
        ((*ollama, "--set", "ai.caConfigMap=a", "--set", "ai.caSecret=b"), "ai.caConfigMap and ai.caSecret"),
    )
    for args, want in refused:
        r = rd.run(*args)
        C.check(r.returncode != 0 and want in r.stderr, f"{' '.join(args)}: want a failed render naming {want!r}, got {r.returncode} {r.stderr.strip()[-200:]}")
        C.check("sk-inline" not in r.stderr and "0b6f-secret-path" not in r.stderr, f"{' '.join(args)}: the error message shows the secret")


# ----------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", required=True, help="repository root")
    ap.add_argument("--render-dir", required=True, help="directory with <scenario>.yaml and <scenario>.values.yaml")
    ap.add_argument("--renderer", required=True, help="helm-render binary")
    args = ap.parse_args()
    chart = os.path.join(args.repo, "helm", "chat-node")

    metrics = exported_metrics(os.path.join(args.repo, "metrics"))
    C.check(len(metrics) >= 20 and "chatnode_connections" in metrics,
            f"parsed only {len(metrics)} metric families from metrics/*.cpp")
    C.check(len([m for m in metrics if m.startswith("chatnode_ai_")]) >= 7,
            f"parsed only {sorted(m for m in metrics if m.startswith('chatnode_ai_'))} from metrics/ai_metrics.cpp")
    opts = option_table(args.repo)
    C.check({"CHAT_PORT", "CHAT_INTERNAL_PORT", "CHAT_REDIS_URL", "CHAT_SERVER_ID", "CHAT_DRAIN_TIMEOUT"} <= set(opts),
            f"the node's option table lacks options the chart relies on: {sorted(opts)}")
    schema = json.load(open(os.path.join(chart, "values.schema.json")))
    levels = get(schema, "properties", "config", "properties", "logLevel", "enum", default=[])
    C.check(set(levels) <= set(opts.get("CHAT_LOG_LEVEL", {}).get("choices", levels)),
            f"values.schema.json config.logLevel {levels} allows levels the node refuses")

    check_static(chart)
    check_dashboard(os.path.join(chart, "dashboards", "chat-node.json"), metrics)

    rendered = {}
    for f in sorted(glob.glob(os.path.join(args.render_dir, "*.yaml"))):
        if f.endswith(".values.yaml"):
            continue
        name = os.path.basename(f)[:-5]
        docs = load_docs(open(f).read())
        values = yaml.safe_load(open(os.path.join(args.render_dir, name + ".values.yaml")))
        rendered[name] = docs
        check_manifests(name, docs, values, opts, metrics)
    C.check({"default-values", "ha-values", "dev-redis-values", "ai-values"} <= set(rendered), f"missing ci scenarios: {sorted(rendered)}")

    # What each ci scenario is there to show.
    if "default-values" in rendered:
        d = rendered["default-values"]
        C.check(not by_kind(d, "PodDisruptionBudget") and not by_kind(d, "HorizontalPodAutoscaler"), "default: no PDB and no HPA")
        C.check(not by_kind(d, "Secret") and not by_kind(d, "StatefulSet"), "default: no Secret, no in-chart Redis")
    if "ha-values" in rendered:
        d = rendered["ha-values"]
        for kind in ("PodDisruptionBudget", "HorizontalPodAutoscaler", "ServiceMonitor", "Ingress", "HTTPRoute"):
            C.check(by_kind(d, kind), f"ha: no {kind}")
        C.check(not by_kind(d, "Secret"), "ha: existingSecret must not create a Secret")
    if "dev-redis-values" in rendered:
        d = rendered["dev-redis-values"]
        sts = by_kind(d, "StatefulSet")
        C.check(sts and not by_kind(d, "PodDisruptionBudget"), "dev-redis: in-chart Redis and no PDB")
        args_ = " ".join(get(sts[0] if sts else {}, "spec", "template", "spec", "containers", 0, "args", default=[]))
        C.check("--appendonly yes" in args_, "dev-redis: the in-chart Redis must run with AOF")
        url = next((e.get("value") for e in get(one(d, "Deployment", "dev-redis") or {}, "spec", "template", "spec", "containers", 0, "env", default=[])
                    if e["name"] == "CHAT_REDIS_URL"), "")
        svc = [s["metadata"]["name"] for s in by_kind(d, "Service") if "redis" in s["metadata"]["name"]]
        C.check(svc and f"redis://{svc[0]}:" in str(url), f"dev-redis: CHAT_REDIS_URL {url!r} does not point at the in-chart Redis Service")

    if "ai-values" in rendered:
        d = rendered["ai-values"]
        dep = one(d, "Deployment", "ai") or {}
        vols = {v["name"]: v for v in get(dep, "spec", "template", "spec", "volumes", default=[])}
        C.check(get(vols, "ai-api-key", "secret", "secretName") == "chat-ai" and get(vols, "ai-ca", "configMap", "name") == "corp-ca",
                f"ai: want the key from Secret chat-ai and the CA from ConfigMap corp-ca, volumes {sorted(vols)}")
        C.check(not by_kind(d, "Secret"), "ai: the chart must not create a Secret for the key")
        notes = open(os.path.join(args.render_dir, "ai-values.notes.txt")).read()
        C.check("AI assistant \"Helper\" on https://llm.example.com/v1" in notes, "ai: NOTES lack the assistant line")
    for name in ("default-values", "ha-values", "dev-redis-values"):
        p = os.path.join(args.render_dir, name + ".notes.txt")
        C.check(not os.path.exists(p) or "AI assistant" not in open(p).read(), f"{name}: NOTES mention the assistant")

    check_variations(Renderer(args.renderer, chart), opts, metrics)

    print(f"check_chart: {C.passed} passed, {C.failed} failed")
    sys.exit(1 if C.failed else 0)


if __name__ == "__main__":
    main()

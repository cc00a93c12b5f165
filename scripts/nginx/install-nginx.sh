#!/usr/bin/env bash
# Installs Debian's nginx for the rolling-restart test (tests/rolling/, scripts/rolling-restart.sh),
# which runs its own unprivileged nginx on loopback. The system service is never started: apt runs
# under a policy-rc.d that refuses service starts (unless the machine has one already), and the
# unit is disabled afterwards where systemd runs. Idempotent: nothing happens when nginx is there.
set -euo pipefail

if [[ -x /usr/sbin/nginx ]]; then
  echo "install-nginx: $(/usr/sbin/nginx -v 2>&1) already installed"
  exit 0
fi

sudo=()
[[ "$(id -u)" -eq 0 ]] || sudo=(sudo)
policy=/usr/sbin/policy-rc.d
added=0
if [[ ! -e "$policy" ]]; then
  printf '#!/bin/sh\n# scripts/nginx/install-nginx.sh: no service starts while nginx is installed\nexit 101\n' |
    "${sudo[@]}" tee "$policy" >/dev/null
  "${sudo[@]}" chmod 755 "$policy"
  added=1
fi
rc=0
"${sudo[@]}" apt-get update -qq || rc=$?
if ((rc == 0)); then
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx || rc=$?
fi
if ((added)); then "${sudo[@]}" rm -f "$policy"; fi
if ((rc == 0)) && [[ -d /run/systemd/system ]]; then
  "${sudo[@]}" systemctl disable --now nginx >/dev/null 2>&1 || true
fi
exit "$rc"

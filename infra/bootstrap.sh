#!/usr/bin/env bash
# Installs what Tributary needs, idempotently, on a Debian machine (or CI runner) with Node.js:
# the system packages the local stack runs on, then the npm dependencies. Maven artifacts
# (Kafka, Apicurio) and the moto virtualenv are installed by `tributary stack up` itself.
# Quiet and quick when everything is already there.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

packages=()
command -v java >/dev/null 2>&1 || packages+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || packages+=(maven)
command -v python3 >/dev/null 2>&1 || packages+=(python3)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || packages+=(python3-venv)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || packages+=(postgresql)
# The dashboard's browser test drives Debian's chromium with playwright-core (no browser download).
command -v chromium >/dev/null 2>&1 || packages+=(chromium)
# systemd-analyze verifies the units `tributary export systemd` writes (infra/roles/services.int.spec.ts).
command -v systemd-analyze >/dev/null 2>&1 || packages+=(systemd)
# promtool checks and unit-tests the alert rules (infra/observability/observability.int.spec.ts).
command -v promtool >/dev/null 2>&1 || packages+=(prometheus)

if [ ${#packages[@]} -gt 0 ]; then
  echo "bootstrap: installing Debian packages: ${packages[*]}"
  sudo=''
  [ "$(id -u)" -eq 0 ] || sudo='sudo'
  # Debian's postgresql package would otherwise create and start a cluster on 5432; the stack runs its own.
  $sudo mkdir -p /etc/postgresql-common
  grep -qs '^create_main_cluster *= *false' /etc/postgresql-common/createcluster.conf ||
    echo 'create_main_cluster = false' | $sudo tee -a /etc/postgresql-common/createcluster.conf >/dev/null
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}"
  # Debian's prometheus package starts a server on :9090 where systemd runs; only promtool is wanted.
  if [[ " ${packages[*]} " == *' prometheus '* ]] && command -v systemctl >/dev/null 2>&1; then
    $sudo systemctl disable --now prometheus >/dev/null 2>&1 || true
  fi
fi

# npm ci when node_modules is missing or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "bootstrap: installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi

# TypeScript types are generated from the .avsc files; cheap, and a no-op when unchanged.
node_modules/.bin/tsx schemas/generate.ts

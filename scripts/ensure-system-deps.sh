#!/usr/bin/env bash
# System packages the tests need beyond npm: Java 17+ and Maven (Kafka), Python 3 with venv
# (Temporal CLI, SeaweedFS), curl (the REST proxy's documented requests) and Chromium (dashboard
# end-to-end tests). The project's machines ship most of them; anything missing comes from
# Debian's packages (needs root, as on CI).
set -euo pipefail
missing=()
command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || missing+=(maven)
command -v curl >/dev/null || missing+=(curl)
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
[ "${1:-}" = --no-browser ] || [ -x /usr/bin/chromium ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "missing system packages: ${missing[*]}; install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "[deps] installing ${missing[*]} from Debian"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null

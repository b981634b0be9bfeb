#!/bin/bash
# Fetches the secrets again and restarts the worker (SIGTERM, graceful drain) if any changed.
set -euo pipefail
current=/run/museum-etl/secrets.env
[ -f "$current" ] || exit 0 # the worker is not running: its next start fetches them anyway
fresh="$(mktemp /run/museum-etl-secrets-check.XXXXXX)"
trap 'rm -f "$fresh"' EXIT
/opt/museum-etl/bin/fetch-secrets "$fresh"
if ! cmp -s "$fresh" "$current"; then
  logger -t museum-etl "a worker secret changed in Secrets Manager; restarting museum-etl-worker"
  systemctl try-restart museum-etl-worker.service
fi

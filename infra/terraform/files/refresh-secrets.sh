#!/bin/bash
# Fetches each running service's secrets again and restarts it (SIGTERM, graceful) if any changed.
set -euo pipefail
refresh() { # UNIT SECRETS_FILE SERVICE (as fetch-secrets takes it)
  local current="$2"
  [ -f "$current" ] || return 0 # not running: its next start fetches them anyway
  local fresh
  fresh="$(mktemp "/run/museum-etl-secrets-check.XXXXXX")"
  /opt/museum-etl/bin/fetch-secrets "$fresh" "$3" || { rm -f "$fresh"; return 1; }
  if ! cmp -s "$fresh" "$current"; then
    logger -t museum-etl "a $3 secret changed in Secrets Manager; restarting $1"
    systemctl try-restart "$1"
  fi
  rm -f "$fresh"
}
status=0
refresh museum-etl-worker.service /run/museum-etl/secrets.env worker || status=1
refresh museum-etl-dashboard.service /run/museum-etl-dashboard/secrets.env dashboard || status=1
exit "$status"

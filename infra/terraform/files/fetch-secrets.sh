#!/bin/bash
# Writes one service's secrets as a systemd environment file, read from AWS Secrets Manager with the
# instance role. Which secret feeds which variable is in /etc/museum-etl/secrets.conf (ARNs only).
# Each service gets only its own: the dashboard never sees the master password.
# Usage: fetch-secrets OUTPUT_FILE [worker|dashboard]
set -euo pipefail
out="${1:?usage: fetch-secrets OUTPUT_FILE [worker|dashboard]}"
service="${2:-worker}"
# shellcheck source=/dev/null
. "${MUSEUM_ETL_SECRETS_CONF:-/etc/museum-etl/secrets.conf}"
umask 077
tmp="$(mktemp "${out}.XXXXXX")"
trap 'rm -f "$tmp"' EXIT

get() {
  aws secretsmanager get-secret-value --region "$AWS_REGION" --secret-id "$1" --output json
}
helper="${MUSEUM_ETL_ENV_FROM_SECRET:-/opt/museum-etl/bin/env-from-secret.js}"
optional() { # VAR SECRET_ARN: the whole SecretString, unless the ARN is "-" (not configured)
  if [ "$2" != "-" ]; then get "$2" | node "$helper" "$1"; fi
}
{
  case "$service" in
    worker)
      # RDS-managed master secret: JSON {"username": ..., "password": ...}.
      get "$PG_SECRET_ARN" | node "$helper" PGPASSWORD=password
      optional TEMPORAL_API_KEY "$TEMPORAL_API_KEY_SECRET_ARN"
      optional KAFKA_SASL_PASSWORD "$KAFKA_SASL_PASSWORD_SECRET_ARN"
      ;;
    dashboard)
      get "$DASHBOARD_DB_PASSWORD_SECRET_ARN" | node "$helper" PG_READER_PASSWORD
      optional DASHBOARD_TOKEN "$DASHBOARD_TOKEN_SECRET_ARN"
      optional DASHBOARD_USERS "$DASHBOARD_USERS_SECRET_ARN"
      ;;
    *)
      echo "fetch-secrets: unknown service $service (worker or dashboard)" >&2
      exit 2
      ;;
  esac
} >"$tmp"
chmod 0400 "$tmp"
if id museum-etl >/dev/null 2>&1; then chown museum-etl:museum-etl "$tmp"; fi
mv -f "$tmp" "$out"
trap - EXIT

#!/bin/bash
# Writes the worker's secrets as a systemd environment file, read from AWS Secrets Manager with the
# instance role. Which secret feeds which variable is in /etc/museum-etl/secrets.conf (ARNs only).
# Usage: fetch-secrets OUTPUT_FILE
set -euo pipefail
out="${1:?usage: fetch-secrets OUTPUT_FILE}"
# shellcheck source=/dev/null
. "${MUSEUM_ETL_SECRETS_CONF:-/etc/museum-etl/secrets.conf}"
umask 077
tmp="$(mktemp "${out}.XXXXXX")"
trap 'rm -f "$tmp"' EXIT

get() {
  aws secretsmanager get-secret-value --region "$AWS_REGION" --secret-id "$1" --output json
}
helper="${MUSEUM_ETL_ENV_FROM_SECRET:-/opt/museum-etl/bin/env-from-secret.js}"
{
  # RDS-managed master secret: JSON {"username": ..., "password": ...}.
  get "$PG_SECRET_ARN" | node "$helper" PGPASSWORD=password
  if [ "$TEMPORAL_API_KEY_SECRET_ARN" != "-" ]; then
    get "$TEMPORAL_API_KEY_SECRET_ARN" | node "$helper" TEMPORAL_API_KEY
  fi
  if [ "$KAFKA_SASL_PASSWORD_SECRET_ARN" != "-" ]; then
    get "$KAFKA_SASL_PASSWORD_SECRET_ARN" | node "$helper" KAFKA_SASL_PASSWORD
  fi
} >"$tmp"
chmod 0400 "$tmp"
if id museum-etl >/dev/null 2>&1; then chown museum-etl:museum-etl "$tmp"; fi
mv -f "$tmp" "$out"
trap - EXIT

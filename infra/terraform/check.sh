#!/usr/bin/env bash
# Checks infra/terraform offline: terraform fmt -check, init against a local filesystem mirror of
# the AWS provider (no registry access), validate, and the presence of the required resources and
# variables. A missing terraform binary or provider mirror skips that step with a message (exit 0);
# a real problem exits non-zero.
#   TERRAFORM=/path/to/terraform   the binary (default: terraform on PATH)
#   TF_PLUGIN_MIRROR=/path         a directory holding registry.terraform.io/hashicorp/aws/...
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
infra="$(dirname "$here")"
tf="${TERRAFORM:-terraform}"

echo "== required resources and variables"
missing=0
for r in aws_db_instance aws_s3_bucket aws_s3_bucket_versioning aws_s3_bucket_public_access_block \
  aws_launch_template aws_autoscaling_group aws_iam_role aws_iam_instance_profile aws_iam_role_policy \
  aws_security_group aws_vpc_security_group_ingress_rule; do
  grep -qE "^resource \"$r\"" "$here"/*.tf || { echo "missing resource $r"; missing=1; }
done
for v in aws_region vpc_id worker_subnet_ids db_subnet_ids worker_count node_version artifact_bucket \
  artifact_key bucket_name temporal_address temporal_namespace kafka_brokers; do
  grep -qE "^variable \"$v\"" "$here/variables.tf" || { echo "missing variable $v"; missing=1; }
done
# Every variable and output is described, and every variable is in the README table.
for v in $(sed -nE 's/^variable "([a-z0-9_]+)".*/\1/p' "$here/variables.tf"); do
  grep -q "| \`$v\`" "$here/README.md" || { echo "variable $v is not documented in README.md"; missing=1; }
done
if [ "$(grep -c '^variable ' "$here/variables.tf")" != "$(grep -c '^  description' "$here/variables.tf")" ]; then
  echo "a variable lacks a description"; missing=1
fi
if [ "$(grep -c '^output ' "$here/outputs.tf")" != "$(grep -c '^  description' "$here/outputs.tf")" ]; then
  echo "an output lacks a description"; missing=1
fi
if grep -nE 'sensitive|password|secret_string' "$here/outputs.tf" | grep -vE '^[0-9]+: *(#|description)' | grep -v 'secret_arn'; then
  echo "an output may expose a secret"; missing=1
fi
grep -q 'manage_master_user_password = true' "$here/rds.tf" || { echo "RDS password must be managed by RDS"; missing=1; }
grep -q 'publicly_accessible    = false' "$here/rds.tf" || { echo "RDS must not be public"; missing=1; }
grep -q 'storage_encrypted     = true' "$here/rds.tf" || { echo "RDS storage must be encrypted"; missing=1; }
[ "$missing" = 0 ] || exit 1
echo "ok"

if ! command -v "$tf" >/dev/null 2>&1; then
  echo "SKIP terraform fmt/init/validate: no terraform binary (set TERRAFORM or install it)"
  exit 0
fi
echo "== $("$tf" version | head -n 1)"
echo "== terraform fmt -check"
"$tf" fmt -check -recursive -diff "$here"
echo "ok"

mirror=""
for d in "${TF_PLUGIN_MIRROR:-}" /opt/tf-plugins "$HOME/.terraform.d/plugins" /usr/local/share/terraform/plugins \
  /usr/share/terraform/plugins; do
  if [ -n "$d" ] && [ -d "$d/registry.terraform.io/hashicorp/aws" ]; then mirror="$d"; break; fi
done
if [ -z "$mirror" ]; then
  echo "SKIP terraform init/validate: no local mirror of registry.terraform.io/hashicorp/aws (set TF_PLUGIN_MIRROR)"
  exit 0
fi

# Work on a copy so init leaves no .terraform/ or lock file in the repository.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/infra"
cp -R "$here" "$work/infra/terraform"
cp -R "$infra/systemd" "$work/infra/systemd"
rm -rf "$work/infra/terraform/.terraform" "$work/infra/terraform/.terraform.lock.hcl"
echo "== terraform init (offline, provider mirror $mirror)"
TF_CLI_CONFIG_FILE=/dev/null "$tf" -chdir="$work/infra/terraform" init -backend=false -input=false \
  -no-color -plugin-dir="$mirror" >"$work/init.log" 2>&1 || { cat "$work/init.log"; exit 1; }
echo "ok"
echo "== terraform validate"
TF_CLI_CONFIG_FILE=/dev/null "$tf" -chdir="$work/infra/terraform" validate -no-color

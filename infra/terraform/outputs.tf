# No output carries a secret: the database password lives only in Secrets Manager (see
# db_master_secret_arn, an ARN), and the worker reads it with its instance role.

output "db_address" {
  description = "Host name of the PostgreSQL instance (PGHOST); reachable only from the worker security group."
  value       = aws_db_instance.db.address
}

output "db_port" {
  description = "PostgreSQL port (PGPORT)."
  value       = aws_db_instance.db.port
}

output "db_name" {
  description = "Database name (PGDATABASE)."
  value       = var.db_name
}

output "db_master_secret_arn" {
  description = "ARN of the Secrets Manager secret RDS keeps the master user name and password in (JSON: username, password). An ARN, not the secret."
  value       = local.db_master_secret_arn
}

output "data_bucket_name" {
  description = "The S3 bucket for lmnh_hist_data_*.csv and lmnh_exhibition_*.json (S3_BUCKET)."
  value       = aws_s3_bucket.data.bucket
}

output "data_bucket_arn" {
  description = "ARN of the data bucket."
  value       = aws_s3_bucket.data.arn
}

output "worker_role_arn" {
  description = "IAM role of the worker hosts."
  value       = aws_iam_role.worker.arn
}

output "worker_security_group_id" {
  description = "Security group of the worker hosts (the only source the database accepts)."
  value       = aws_security_group.worker.id
}

output "db_security_group_id" {
  description = "Security group of the database."
  value       = aws_security_group.db.id
}

output "worker_autoscaling_group_name" {
  description = "Auto Scaling group of the worker hosts."
  value       = aws_autoscaling_group.worker.name
}

output "worker_launch_template_id" {
  description = "Launch template of the worker hosts."
  value       = aws_launch_template.worker.id
}

output "dashboard_port" {
  description = "Port of the dashboard on every worker host (plain HTTP: the target port of a TLS load balancer's target group attached to worker_autoscaling_group_name); null without enable_dashboard."
  value       = var.enable_dashboard ? var.dashboard_port : null
}

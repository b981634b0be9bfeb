# PostgreSQL on RDS: private, encrypted, TLS enforced. The master password is generated and stored
# by RDS in AWS Secrets Manager (manage_master_user_password), so it never appears in Terraform
# state, plans, outputs or user data; the hosts read it at service start with their instance role.

resource "aws_db_subnet_group" "db" {
  name        = "${var.name}-db"
  description = "museum-etl database subnets"
  subnet_ids  = var.db_subnet_ids
}

resource "aws_db_parameter_group" "db" {
  name_prefix = "${var.name}-pg${local.db_major}-"
  family      = "postgres${local.db_major}"
  description = "museum-etl: TLS required"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_db_instance" "db" {
  identifier     = "${var.name}-db"
  engine         = "postgres"
  engine_version = var.db_engine_version
  instance_class = var.db_instance_class

  db_name                     = var.db_name
  username                    = var.db_username
  manage_master_user_password = true

  allocated_storage     = var.db_allocated_storage_gb
  max_allocated_storage = var.db_max_allocated_storage_gb > 0 ? var.db_max_allocated_storage_gb : null
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = var.db_kms_key_arn

  db_subnet_group_name   = aws_db_subnet_group.db.name
  vpc_security_group_ids = [aws_security_group.db.id]
  publicly_accessible    = false
  multi_az               = var.db_multi_az
  parameter_group_name   = aws_db_parameter_group.db.name
  ca_cert_identifier     = "rds-ca-rsa2048-g1"

  backup_retention_period    = var.db_backup_retention_days
  copy_tags_to_snapshot      = true
  deletion_protection        = var.db_deletion_protection
  skip_final_snapshot        = false
  final_snapshot_identifier  = "${var.name}-db-final"
  auto_minor_version_upgrade = true
  apply_immediately          = false
}

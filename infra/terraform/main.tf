# museum-etl on AWS: RDS PostgreSQL, an S3 data bucket, and worker hosts in an Auto Scaling group
# running `museum-etl worker` (and, with enable_dashboard, `museum-etl dashboard`) under systemd. Temporal (e.g. Temporal Cloud) and Kafka (Confluent
# Cloud or MSK) are external services reached by configuration. See README.md.

data "aws_partition" "current" {}

data "aws_ssm_parameter" "al2023" {
  count = var.worker_ami_id == null ? 1 : 0

  name = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
}

locals {
  db_major = split(".", var.db_engine_version)[0]

  db_master_secret_arn = aws_db_instance.db.master_user_secret[0].secret_arn

  # The dashboard's secrets: the reader's password and its access secrets, never the master's.
  dashboard_secret_arns = var.enable_dashboard ? compact([
    var.dashboard_db_password_secret_arn,
    var.dashboard_token_secret_arn,
    var.dashboard_users_secret_arn,
  ]) : []

  # Only ARNs here: the values are fetched on the host, at service start. The hosts' role reads
  # both sets; each unit's environment gets only its own (fetch-secrets FILE worker|dashboard).
  worker_secret_arns = concat(compact([
    local.db_master_secret_arn,
    var.temporal_api_key_secret_arn,
    var.kafka_sasl_password_secret_arn,
  ]), local.dashboard_secret_arns)

  # The worker's non-secret configuration (/etc/museum-etl/museum-etl.env); names as in the app's README.
  worker_env = merge(
    {
      MUSEUM_ENV          = "production"
      AWS_REGION          = var.aws_region
      S3_BUCKET           = aws_s3_bucket.data.bucket
      TEMPORAL_ADDRESS    = var.temporal_address
      TEMPORAL_NAMESPACE  = var.temporal_namespace
      TEMPORAL_TASK_QUEUE = var.temporal_task_queue
      KAFKA_BROKERS       = join(",", var.kafka_brokers)
      KAFKA_TOPIC         = var.kafka_topic
      KAFKA_SSL           = tostring(var.kafka_ssl)
      PGHOST              = aws_db_instance.db.address
      PGPORT              = tostring(aws_db_instance.db.port)
      PGDATABASE          = var.db_name
      PGUSER              = var.db_username
      PGSSLMODE           = "verify-full"
      PGSSLROOTCERT       = "/etc/museum-etl/rds-ca.pem"
      MUSEUM_TIME_ZONE    = var.museum_time_zone
      LOG_LEVEL           = var.log_level
      METRICS_PORT        = tostring(var.metrics_port)
    },
    var.kafka_sasl_mechanism == null ? {} : {
      KAFKA_SASL_MECHANISM = var.kafka_sasl_mechanism
      KAFKA_SASL_USERNAME  = var.kafka_sasl_username == null ? "" : var.kafka_sasl_username
    },
    var.extra_environment,
  )

  # What the dashboard adds to museum-etl.env (/etc/museum-etl/dashboard.env); its unit sets
  # DASHBOARD_COOKIE_SECURE=true and listens on all interfaces, behind the security group.
  dashboard_env = {
    PG_READER_USER = var.dashboard_db_username
    DASHBOARD_PORT = tostring(var.dashboard_port)
  }

  # systemd EnvironmentFile lines; values are checked below to need no escaping.
  worker_env_file    = join("", [for k in sort(keys(local.worker_env)) : "${k}=\"${local.worker_env[k]}\"\n"])
  dashboard_env_file = join("", [for k in sort(keys(local.dashboard_env)) : "${k}=\"${local.dashboard_env[k]}\"\n"])

  # Which secret becomes which variable (read by fetch-secrets on the host). Not secret: ARNs only.
  worker_secrets_conf = join("", [
    "AWS_REGION=${var.aws_region}\n",
    "PG_SECRET_ARN=${local.db_master_secret_arn}\n",
    "TEMPORAL_API_KEY_SECRET_ARN=${coalesce(var.temporal_api_key_secret_arn, "-")}\n",
    "KAFKA_SASL_PASSWORD_SECRET_ARN=${coalesce(var.kafka_sasl_password_secret_arn, "-")}\n",
    "DASHBOARD_DB_PASSWORD_SECRET_ARN=${var.enable_dashboard ? coalesce(var.dashboard_db_password_secret_arn, "-") : "-"}\n",
    "DASHBOARD_TOKEN_SECRET_ARN=${var.enable_dashboard ? coalesce(var.dashboard_token_secret_arn, "-") : "-"}\n",
    "DASHBOARD_USERS_SECRET_ARN=${var.enable_dashboard ? coalesce(var.dashboard_users_secret_arn, "-") : "-"}\n",
  ])

  worker_user_data = templatefile("${path.module}/user-data.sh.tftpl", {
    node_version        = var.node_version
    artifact_bucket     = var.artifact_bucket
    artifact_key        = var.artifact_key
    artifact_sha256     = coalesce(var.artifact_sha256, "-")
    aws_region          = var.aws_region
    env_file            = local.worker_env_file
    secrets_conf        = local.worker_secrets_conf
    worker_unit         = file("${path.module}/../systemd/museum-etl-worker.service")
    secrets_dropin      = file("${path.module}/files/10-secrets.conf")
    secrets_check_unit  = file("${path.module}/files/museum-etl-secrets-check.service")
    secrets_check_timer = file("${path.module}/files/museum-etl-secrets-check.timer")
    fetch_secrets       = file("${path.module}/files/fetch-secrets.sh")
    refresh_secrets     = file("${path.module}/files/refresh-secrets.sh")
    env_from_secret     = file("${path.module}/files/env-from-secret.js")
    enable_dashboard    = var.enable_dashboard
    dashboard_env_file  = local.dashboard_env_file
    dashboard_unit      = file("${path.module}/../systemd/museum-etl-dashboard.service")
    dashboard_dropin    = file("${path.module}/files/10-dashboard-secrets.conf")
  })
}

resource "aws_launch_template" "worker" {
  name_prefix   = "${var.name}-worker-"
  description   = "museum-etl worker host"
  image_id      = var.worker_ami_id != null ? var.worker_ami_id : nonsensitive(data.aws_ssm_parameter.al2023[0].value)
  instance_type = var.worker_instance_type
  # Compressed (cloud-init unpacks gzip) so both units fit EC2's 16 KiB user data limit.
  user_data = base64gzip(local.worker_user_data)

  update_default_version = true

  iam_instance_profile {
    arn = aws_iam_instance_profile.worker.arn
  }

  vpc_security_group_ids = [aws_security_group.worker.id]

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  block_device_mappings {
    device_name = "/dev/xvda"

    ebs {
      volume_size           = var.worker_volume_size_gb
      volume_type           = "gp3"
      encrypted             = true
      delete_on_termination = true
    }
  }

  tag_specifications {
    resource_type = "instance"
    tags          = { Name = "${var.name}-worker" }
  }

  tag_specifications {
    resource_type = "volume"
    tags          = { Name = "${var.name}-worker" }
  }

  lifecycle {
    precondition {
      condition     = var.kafka_sasl_mechanism == null || (var.kafka_sasl_username != null && var.kafka_sasl_password_secret_arn != null)
      error_message = "kafka_sasl_mechanism needs kafka_sasl_username and kafka_sasl_password_secret_arn."
    }

    precondition {
      condition     = var.kafka_sasl_mechanism == null || var.kafka_ssl
      error_message = "kafka_ssl = false with SASL would send the password in clear (the app refuses it too)."
    }

    precondition {
      condition     = !var.enable_dashboard || var.dashboard_db_password_secret_arn != null
      error_message = "enable_dashboard needs dashboard_db_password_secret_arn: the dashboard reads only as its own reporting login."
    }

    precondition {
      condition     = !var.enable_dashboard || var.dashboard_token_secret_arn != null || var.dashboard_users_secret_arn != null
      error_message = "enable_dashboard needs dashboard_token_secret_arn or dashboard_users_secret_arn: the dashboard refuses to serve other machines without access control."
    }

    precondition {
      condition     = !var.enable_dashboard || (var.dashboard_db_username != var.db_username && var.dashboard_port != var.metrics_port)
      error_message = "dashboard_db_username must not be the master user (db_username), and dashboard_port must differ from metrics_port."
    }

    precondition {
      condition     = alltrue([for k, v in merge(local.worker_env, local.dashboard_env) : can(regex("^[A-Z][A-Z0-9_]*$", k)) && can(regex("^[^\"\\\\$`\\n\\r]*$", v))])
      error_message = "Worker environment names must be UPPER_CASE and values must not contain quotes, backslashes, $, backticks or newlines."
    }

    precondition {
      # 16 KiB before base64: 21848 characters after it.
      condition     = length(base64gzip(local.worker_user_data)) <= 21848
      error_message = "The compressed user data exceeds EC2's 16 KiB limit."
    }
  }
}

resource "aws_autoscaling_group" "worker" {
  name                = "${var.name}-worker"
  min_size            = var.worker_count
  max_size            = var.worker_count
  desired_capacity    = var.worker_count
  vpc_zone_identifier = var.worker_subnet_ids
  health_check_type   = "EC2"

  launch_template {
    id      = aws_launch_template.worker.id
    version = aws_launch_template.worker.latest_version
  }

  # A new launch template version (new artifact, config or AMI) replaces hosts a few at a time;
  # each stops gracefully (systemd sends SIGTERM; the worker drains) and Temporal moves the work.
  instance_refresh {
    strategy = "Rolling"

    preferences {
      min_healthy_percentage = 50
      instance_warmup        = 120
    }
  }

  tag {
    key                 = "Name"
    value               = "${var.name}-worker"
    propagate_at_launch = true
  }

  # The database and the role must exist before a host boots and starts the worker.
  depends_on = [aws_db_instance.db, aws_iam_role_policy.worker]
}

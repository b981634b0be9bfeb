# Every variable is documented in README.md beside this file (same order, same defaults).

# --- General -------------------------------------------------------------------------------------

variable "name" {
  description = "Prefix of every resource name (letters, digits and hyphens)."
  type        = string
  default     = "museum-etl"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name))
    error_message = "name must be 2-31 lower-case letters, digits or hyphens, starting with a letter."
  }
}

variable "aws_region" {
  description = "AWS region of every resource, e.g. eu-west-2."
  type        = string
}

variable "tags" {
  description = "Extra tags for every resource."
  type        = map(string)
  default     = {}
}

# --- Network (an existing VPC) --------------------------------------------------------------------

variable "vpc_id" {
  description = "VPC that holds the workers and the database."
  type        = string
}

variable "worker_subnet_ids" {
  description = "Private subnets for the worker hosts. They need outbound internet (NAT) for Temporal Cloud, Kafka, nodejs.org and AWS APIs, or VPC endpoints for the AWS ones."
  type        = list(string)

  validation {
    condition     = length(var.worker_subnet_ids) > 0
    error_message = "worker_subnet_ids needs at least one subnet."
  }
}

variable "db_subnet_ids" {
  description = "Private subnets for the database, in at least two availability zones (an RDS requirement)."
  type        = list(string)

  validation {
    condition     = length(var.db_subnet_ids) >= 2
    error_message = "db_subnet_ids needs subnets in at least two availability zones."
  }
}

variable "egress_tcp_ports" {
  description = "TCP ports the workers may open to any address: HTTPS (AWS APIs, S3, nodejs.org), Temporal (7233) and Kafka (9092 Confluent Cloud, 9094/9096 MSK TLS/SASL). The database port is allowed separately, to the database only."
  type        = list(number)
  default     = [443, 7233, 9092, 9094, 9096]
}

# --- Worker hosts ---------------------------------------------------------------------------------

variable "worker_count" {
  description = "Number of worker hosts (the Auto Scaling group's min, max and desired size). Each runs one worker; any worker runs any workflow or activity."
  type        = number
  default     = 2

  validation {
    condition     = var.worker_count >= 0 && var.worker_count <= 50 && floor(var.worker_count) == var.worker_count
    error_message = "worker_count must be a whole number 0..50."
  }
}

variable "worker_instance_type" {
  description = "EC2 instance type of the worker hosts (x86_64 unless worker_ami_id says otherwise)."
  type        = string
  default     = "t3.small"
}

variable "worker_ami_id" {
  description = "AMI of the worker hosts; null means the latest Amazon Linux 2023 (x86_64) from the public SSM parameter. The user data needs bash, curl, tar, the AWS CLI v2 and systemd, as Amazon Linux 2023 has."
  type        = string
  default     = null
}

variable "worker_volume_size_gb" {
  description = "Root volume size of a worker host, GiB (encrypted gp3)."
  type        = number
  default     = 16
}

variable "node_version" {
  description = "Node.js installed on the hosts from the official binary tarball (checked against the release's SHASUMS256.txt): a major line such as \"22\" (its latest release) or an exact version such as \"22.23.3\". The app supports 20.10+ and 22; Node 20 reached end of life in April 2026, hence 22."
  type        = string
  default     = "22"

  validation {
    condition     = can(regex("^(20|22)(\\.[0-9]+\\.[0-9]+)?$", var.node_version))
    error_message = "node_version must be 20 or 22, or an exact 20.x.y / 22.x.y (package.json engines: >=20.10 <23)."
  }
}

variable "artifact_bucket" {
  description = "S3 bucket holding the app artifact (see README: how to build it)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.artifact_bucket))
    error_message = "artifact_bucket must be an S3 bucket name."
  }
}

variable "artifact_key" {
  description = "Key of the app artifact (a .tgz of package.json, bin/, dist/, sql/, datasets/*/migrations/ and production node_modules/). A new key rolls the workers (instance refresh)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9!_.*()/+=@,-]+$", var.artifact_key))
    error_message = "artifact_key may use letters, digits and !_.*()/+=@,- only."
  }
}

variable "artifact_sha256" {
  description = "SHA-256 (hex) of the artifact; when set, a host refuses an artifact that does not match."
  type        = string
  default     = null

  validation {
    condition     = var.artifact_sha256 == null || can(regex("^[0-9a-f]{64}$", var.artifact_sha256))
    error_message = "artifact_sha256 must be 64 lower-case hex digits."
  }
}

variable "enable_ssm_session_manager" {
  description = "Attach AmazonSSMManagedInstanceCore to the worker role, for shell access through Session Manager (no SSH, no key pairs). Off by default: least privilege."
  type        = bool
  default     = false
}

variable "metrics_port" {
  description = "Port of the worker's Prometheus endpoint (METRICS_PORT; 0 disables it)."
  type        = number
  default     = 9464
}

variable "metrics_allowed_cidrs" {
  description = "CIDR blocks allowed to scrape the metrics port (e.g. your Prometheus subnet). Empty: nobody."
  type        = list(string)
  default     = []
}

# --- Dashboard ------------------------------------------------------------------------------------

variable "enable_dashboard" {
  description = "Run `museum-etl dashboard` on every worker host (museum-etl-dashboard.service), reading as the reporting login. Off by default: it needs the reader's secret and an access secret first, and TLS in front (see README)."
  type        = bool
  default     = false
}

variable "dashboard_port" {
  description = "Port the dashboard listens on (DASHBOARD_PORT); a load balancer's target port."
  type        = number
  default     = 8080

  validation {
    condition     = var.dashboard_port >= 1024 && var.dashboard_port <= 65535 && floor(var.dashboard_port) == var.dashboard_port
    error_message = "dashboard_port must be a whole number 1024..65535 (the service runs unprivileged)."
  }
}

variable "dashboard_allowed_cidrs" {
  description = "IPv4 CIDR blocks allowed to reach the dashboard port (e.g. a VPN, or the subnets of a TLS-terminating proxy). Empty: none. Not 0.0.0.0/0: put a load balancer with TLS in front instead."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.dashboard_allowed_cidrs : can(cidrhost(c, 0)) && !endswith(c, "/0")])
    error_message = "dashboard_allowed_cidrs must be IPv4 CIDR blocks narrower than /0."
  }
}

variable "dashboard_allowed_security_group_ids" {
  description = "Security groups allowed to reach the dashboard port, e.g. that of your Application Load Balancer (the usual TLS front). Empty: none."
  type        = list(string)
  default     = []
}

variable "dashboard_db_username" {
  description = "The dashboard's PostgreSQL login (PG_READER_USER): a member of the museum_reporting group role, created once by hand (see README). Not the master user."
  type        = string
  default     = "museum_reader"

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]{0,62}$", var.dashboard_db_username))
    error_message = "dashboard_db_username must be a plain PostgreSQL role name (lower case, digits, _)."
  }
}

variable "dashboard_db_password_secret_arn" {
  description = "ARN of a Secrets Manager secret whose SecretString is the password of dashboard_db_username (PG_READER_PASSWORD). Required with enable_dashboard."
  type        = string
  default     = null
}

variable "dashboard_token_secret_arn" {
  description = "ARN of a secret whose SecretString is DASHBOARD_TOKEN (16+ characters, no spaces). With enable_dashboard, this or dashboard_users_secret_arn is required."
  type        = string
  default     = null
}

variable "dashboard_users_secret_arn" {
  description = "ARN of a secret whose SecretString is DASHBOARD_USERS (user:hash,... with hashes from `museum-etl dashboard hash-password`)."
  type        = string
  default     = null
}

# --- Data bucket ----------------------------------------------------------------------------------

variable "bucket_name" {
  description = "Name of the S3 bucket created for lmnh_hist_data_*.csv and lmnh_exhibition_*.json (globally unique)."
  type        = string
}

variable "bucket_force_destroy" {
  description = "Allow terraform destroy to delete the bucket with its objects (and versions)."
  type        = bool
  default     = false
}

# --- Database -------------------------------------------------------------------------------------

variable "db_name" {
  description = "Name of the PostgreSQL database."
  type        = string
  default     = "museum"
}

variable "db_username" {
  description = "Master user name. Its password is generated and kept by RDS in AWS Secrets Manager (never in Terraform state, outputs or user data)."
  type        = string
  default     = "museum"
}

variable "db_engine_version" {
  description = "PostgreSQL version: a major (\"17\") lets RDS pick the latest minor."
  type        = string
  default     = "17"
}

variable "db_instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.t4g.micro"
}

variable "db_allocated_storage_gb" {
  description = "Initial storage, GiB (gp3, encrypted)."
  type        = number
  default     = 20
}

variable "db_max_allocated_storage_gb" {
  description = "Storage autoscaling ceiling, GiB (0 disables autoscaling)."
  type        = number
  default     = 100
}

variable "db_multi_az" {
  description = "Run a standby in a second availability zone."
  type        = bool
  default     = false
}

variable "db_backup_retention_days" {
  description = "Days of automated backups (point-in-time recovery window)."
  type        = number
  default     = 7
}

variable "db_deletion_protection" {
  description = "Refuse to delete the database (set false, apply, then destroy, to remove it)."
  type        = bool
  default     = true
}

variable "db_kms_key_arn" {
  description = "KMS key for storage encryption; null uses the AWS-managed aws/rds key. Storage is encrypted either way."
  type        = string
  default     = null
}

# --- Temporal -------------------------------------------------------------------------------------

variable "temporal_address" {
  description = "Temporal frontend host:port, e.g. museum.a1b2c.tmprl.cloud:7233 (Temporal Cloud) or a self-hosted frontend."
  type        = string
}

variable "temporal_namespace" {
  description = "Temporal namespace, e.g. museum.a1b2c."
  type        = string
}

variable "temporal_task_queue" {
  description = "Task queue the workers poll (TEMPORAL_TASK_QUEUE)."
  type        = string
  default     = "museum-etl"
}

variable "temporal_api_key_secret_arn" {
  description = "ARN of a Secrets Manager secret whose SecretString is the Temporal Cloud API key (TEMPORAL_API_KEY; TLS is implied). null: no API key (self-hosted, or mTLS through extra_environment)."
  type        = string
  default     = null
}

# --- Kafka ----------------------------------------------------------------------------------------

variable "kafka_brokers" {
  description = "Bootstrap brokers, host:port each (KAFKA_BROKERS)."
  type        = list(string)

  validation {
    condition     = length(var.kafka_brokers) > 0 && alltrue([for b in var.kafka_brokers : can(regex("^[^\\s:]+:[0-9]{1,5}$", b))])
    error_message = "kafka_brokers must be a non-empty list of host:port."
  }
}

variable "kafka_topic" {
  description = "Topic of the kiosk events (KAFKA_TOPIC)."
  type        = string
  default     = "lmnh"
}

variable "kafka_ssl" {
  description = "Connect to Kafka over TLS (KAFKA_SSL). Implied by SASL."
  type        = bool
  default     = true
}

variable "kafka_sasl_mechanism" {
  description = "SASL mechanism: plain (Confluent Cloud), scram-sha-256 or scram-sha-512 (MSK); null for none."
  type        = string
  default     = null

  validation {
    condition     = var.kafka_sasl_mechanism == null || contains(["plain", "scram-sha-256", "scram-sha-512"], coalesce(var.kafka_sasl_mechanism, "none"))
    error_message = "kafka_sasl_mechanism must be plain, scram-sha-256, scram-sha-512 or null."
  }
}

variable "kafka_sasl_username" {
  description = "SASL user name (for Confluent Cloud, the API key). Not a secret."
  type        = string
  default     = null
}

variable "kafka_sasl_password_secret_arn" {
  description = "ARN of a Secrets Manager secret whose SecretString is the SASL password (for Confluent Cloud, the API secret). Required with kafka_sasl_mechanism."
  type        = string
  default     = null
}

# --- Secrets and the rest of the app configuration ------------------------------------------------

variable "secrets_kms_key_arns" {
  description = "Customer-managed KMS keys that encrypt the Temporal/Kafka secrets (kms:Decrypt is granted through Secrets Manager only). Empty when they use the default aws/secretsmanager key."
  type        = list(string)
  default     = []
}

variable "museum_time_zone" {
  description = "The museum's IANA time zone (MUSEUM_TIME_ZONE): opening hours and local CSV times."
  type        = string
  default     = "Europe/London"
}

variable "log_level" {
  description = "LOG_LEVEL of the worker: trace, debug, info, warn, error, fatal or silent. Logs go to the journal as JSON lines."
  type        = string
  default     = "info"

  validation {
    condition     = contains(["trace", "debug", "info", "warn", "error", "fatal", "silent"], var.log_level)
    error_message = "log_level must be trace, debug, info, warn, error, fatal or silent."
  }
}

variable "extra_environment" {
  description = "More non-secret variables for the worker's environment file (e.g. TEMPORAL_UI_URL, KAFKA_CLIENT_ID, LOG_FILE=/var/log/museum-etl/worker.log). Never put secrets here: this lands in user data."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k, v in var.extra_environment : can(regex("^[A-Z][A-Z0-9_]*$", k)) && can(regex("^[^\"\\\\$`\\n\\r]*$", v))])
    error_message = "extra_environment names must be UPPER_CASE and values must not contain quotes, backslashes, $, backticks or newlines."
  }

  validation {
    condition     = length(setintersection(keys(var.extra_environment), ["PGPASSWORD", "TEMPORAL_API_KEY", "KAFKA_SASL_PASSWORD", "AWS_SECRET_ACCESS_KEY", "PG_READER_PASSWORD"])) == 0
    error_message = "extra_environment must not carry secrets (it lands in user data): use the *_secret_arn variables."
  }
}

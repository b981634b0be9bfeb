# Security groups: the database accepts PostgreSQL from the workers' group and nothing else; the
# workers accept nothing but optional metrics scrapes and, with the dashboard, its port from the
# allowed sources; they reach out only on the listed ports.

resource "aws_security_group" "worker" {
  name        = "${var.name}-worker"
  description = "museum-etl worker hosts"
  vpc_id      = var.vpc_id

  tags = { Name = "${var.name}-worker" }
}

resource "aws_security_group" "db" {
  name        = "${var.name}-db"
  description = "museum-etl PostgreSQL: reachable only from the worker hosts"
  vpc_id      = var.vpc_id

  tags = { Name = "${var.name}-db" }
}

resource "aws_vpc_security_group_ingress_rule" "db_from_workers" {
  security_group_id            = aws_security_group.db.id
  description                  = "PostgreSQL from the worker hosts only"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = aws_security_group.worker.id
}

resource "aws_vpc_security_group_egress_rule" "worker_to_db" {
  security_group_id            = aws_security_group.worker.id
  description                  = "PostgreSQL"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = aws_security_group.db.id
}

resource "aws_vpc_security_group_egress_rule" "worker_out" {
  for_each = toset([for p in var.egress_tcp_ports : tostring(p)])

  security_group_id = aws_security_group.worker.id
  description       = "TCP ${each.value} out (Temporal, Kafka, HTTPS)"
  ip_protocol       = "tcp"
  from_port         = tonumber(each.value)
  to_port           = tonumber(each.value)
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_ingress_rule" "worker_metrics" {
  for_each = var.metrics_port > 0 ? toset(var.metrics_allowed_cidrs) : toset([])

  security_group_id = aws_security_group.worker.id
  description       = "Prometheus scrape of the worker metrics"
  ip_protocol       = "tcp"
  from_port         = var.metrics_port
  to_port           = var.metrics_port
  cidr_ipv4         = each.value
}

# The dashboard speaks plain HTTP on the host: TLS ends in front of it (a load balancer or a proxy),
# so the port opens only to those, never to the internet.
resource "aws_vpc_security_group_ingress_rule" "worker_dashboard_from_cidr" {
  for_each = var.enable_dashboard ? toset(var.dashboard_allowed_cidrs) : toset([])

  security_group_id = aws_security_group.worker.id
  description       = "Dashboard from an allowed network"
  ip_protocol       = "tcp"
  from_port         = var.dashboard_port
  to_port           = var.dashboard_port
  cidr_ipv4         = each.value
}

resource "aws_vpc_security_group_ingress_rule" "worker_dashboard_from_group" {
  for_each = var.enable_dashboard ? toset(var.dashboard_allowed_security_group_ids) : toset([])

  security_group_id            = aws_security_group.worker.id
  description                  = "Dashboard from an allowed security group (the load balancer)"
  ip_protocol                  = "tcp"
  from_port                    = var.dashboard_port
  to_port                      = var.dashboard_port
  referenced_security_group_id = each.value
}

#!/bin/bash
# First-start initialisation of db in the infra-lab lab "single-server", written by infra-lab.
# Runs once, when the data volume is empty: the app's database, its accounts and the visit counter.
# Nothing here goes to the binary log: a primary and its replica each run this script,
# and replication carries only what happens afterwards.
# Passwords never go on a command line (where process lists show them): the clients read them from
# files only this container's database user and root can read.
set -euo pipefail
umask 077
root_options=$(mktemp)
printf '[client]\nuser=root\npassword=%s\n' "$MYSQL_ROOT_PASSWORD" > "$root_options"

# The healthcheck's own account: it may only connect (and, on a replica, see the replication state).
# Its password is made here and kept in the data volume, beside the data it guards.
health_password=$(od -An -N18 -tx1 /dev/urandom | tr -d ' \n')
printf '[client]\nuser=healthcheck\npassword=%s\n' "$health_password" > /var/lib/mysql/infra-lab-healthcheck.cnf

mysql --defaults-extra-file="$root_options" <<SQL
SET SESSION sql_log_bin = 0;
-- root logs in only from inside this container.
DROP USER IF EXISTS 'root'@'%';
CREATE DATABASE IF NOT EXISTS app;
CREATE TABLE IF NOT EXISTS app.counter (
  id INT PRIMARY KEY,
  visits BIGINT NOT NULL
);
INSERT INTO app.counter (id, visits) VALUES (1, 0) ON DUPLICATE KEY UPDATE id = id;
-- The app's grants are what it does: read the counter and add to it (UPDATE ... LAST_INSERT_ID).
CREATE USER IF NOT EXISTS 'app'@'%' IDENTIFIED BY '${DB_APP_PASSWORD}';
GRANT SELECT, UPDATE ON app.counter TO 'app'@'%';
CREATE USER IF NOT EXISTS 'healthcheck'@'127.0.0.1' IDENTIFIED BY '${health_password}';
SQL
rm -f "$root_options"
echo "infra-lab: db initialised"

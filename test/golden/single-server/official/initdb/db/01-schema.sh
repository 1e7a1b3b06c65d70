#!/bin/bash
# First-start initialisation of db in the infra-lab lab "single-server", written by infra-lab.
# Runs once, when the data volume is empty: the app's database, its user and the visit counter.
# Nothing here goes to the binary log: a primary and its replica each run this script,
# and replication carries only what happens afterwards.
set -euo pipefail
mysql -uroot -p"$MYSQL_ROOT_PASSWORD" <<SQL
SET SESSION sql_log_bin = 0;
CREATE DATABASE IF NOT EXISTS app;
CREATE USER IF NOT EXISTS 'app'@'%' IDENTIFIED BY '${DB_APP_PASSWORD}';
GRANT SELECT, INSERT, UPDATE, DELETE ON app.* TO 'app'@'%';
CREATE USER IF NOT EXISTS 'repl'@'%' IDENTIFIED BY '${DB_REPL_PASSWORD}';
GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%';
CREATE TABLE IF NOT EXISTS app.counter (
  id INT PRIMARY KEY,
  visits BIGINT NOT NULL
);
INSERT INTO app.counter (id, visits) VALUES (1, 0) ON DUPLICATE KEY UPDATE id = id;
SQL
echo "infra-lab: db initialised"

#!/bin/bash
# infra-lab: entrypoint of the db role image (MariaDB standing in for MySQL 8.4).
# Mimics the official mysql image's entrypoint for what infra-lab uses:
#   MYSQL_ROOT_PASSWORD (required), optional MYSQL_DATABASE / MYSQL_USER / MYSQL_PASSWORD,
#   /etc/mysql/conf.d/*.cnf, datadir /var/lib/mysql, and on FIRST start only
#   (empty datadir) the files in /docker-entrypoint-initdb.d (*.sh, *.sql, *.sql.gz)
#   in sorted order against a temporary server without networking.
# Then execs mariadbd as PID 1 (user mysql, 0.0.0.0:3306, log on stderr).
set -euo pipefail
shopt -s nullglob

log()  { printf '%s [Entrypoint] %s\n' "$(date -u '+%Y-%m-%dT%H:%M:%SZ')" "$*" >&2; }
die()  { log "ERROR: $*"; exit 1; }

TEMP_PID=''
on_err() {
	local rc=$? line=${1:-?}
	log "ERROR: command failed (exit $rc) at docker-entrypoint.sh line $line: ${BASH_COMMAND}"
	exit "$rc"
}
on_exit() {
	local rc=$?
	if [ -n "$TEMP_PID" ] && kill -0 "$TEMP_PID" 2>/dev/null; then
		log "stopping temporary server (pid $TEMP_PID) after failure"
		kill -TERM "$TEMP_PID" 2>/dev/null || true
		wait "$TEMP_PID" 2>/dev/null || true
	fi
	if [ "$rc" -ne 0 ]; then
		log "database initialisation FAILED (exit $rc); $DATADIR is half-initialised: remove the data volume before retrying"
	fi
}
trap 'on_err $LINENO' ERR

# "docker run image --some-flag" -> "mariadbd --some-flag"
if [ "$#" -eq 0 ] || [ "${1:0:1}" = '-' ]; then
	set -- mariadbd "$@"
fi

# Anything that is not the server (bash, mysql client, ...) runs as is.
case "$1" in
	mariadbd|mysqld|/usr/sbin/mariadbd|/usr/sbin/mysqld) ;;
	*) exec "$@" ;;
esac

mkdir -p /run/mysqld
chown mysql:mysql /run/mysqld
chmod 1777 /run/mysqld

# Effective configuration (also validates the mounted cnf files).
if ! help_out=$("$@" --verbose --help 2>/tmp/mariadbd-help.err); then
	log "mariadbd cannot parse its configuration (/etc/mysql/my.cnf, conf.d/*.cnf or arguments):"
	cat /tmp/mariadbd-help.err >&2
	exit 1
fi
rm -f /tmp/mariadbd-help.err
conf_get() { awk -v k="$1" '$1 == k { print $2; exit }' <<<"$help_out"; }
DATADIR=$(conf_get datadir); DATADIR=${DATADIR%/}
SOCKET=$(conf_get socket)
[ -n "$DATADIR" ] || die "could not determine datadir from the configuration"
[ -n "$SOCKET" ] || SOCKET=/run/mysqld/mysqld.sock

run_as_mysql=()
if [ "$(id -u)" = 0 ]; then
	run_as_mysql=(--user=mysql)
fi

# Written before initialisation starts, removed when it completed: a container
# restarted after a failed first start must not come up with a half-made datadir.
INIT_MARKER="$DATADIR/.infra-lab-init-incomplete"
if [ -e "$INIT_MARKER" ]; then
	die "a previous initialisation of $DATADIR failed (see the first start's log); remove the data volume and start again"
fi

if [ ! -d "$DATADIR/mysql" ]; then
	[ -n "${MYSQL_ROOT_PASSWORD:-}" ] || die "database is uninitialised and MYSQL_ROOT_PASSWORD is not set"
	if [ -n "${MYSQL_USER:-}" ] && [ "${MYSQL_USER}" = root ]; then
		die "MYSQL_USER=root is not allowed (root is created from MYSQL_ROOT_PASSWORD)"
	fi

	log "initialising database in $DATADIR"
	mkdir -p "$DATADIR"
	touch "$INIT_MARKER"
	trap on_exit EXIT
	if [ "$(id -u)" = 0 ]; then chown mysql:mysql "$DATADIR"; fi
	mariadb-install-db "${run_as_mysql[@]}" --datadir="$DATADIR" --rpm \
		--auth-root-authentication-method=normal --skip-test-db --skip-name-resolve \
		--skip-log-bin --expire-logs-days=0 \
		--loose-innodb_buffer_pool_load_at_startup=0 \
		--loose-innodb_buffer_pool_dump_at_shutdown=0 >/tmp/install-db.out 2>&1 \
		|| { cat /tmp/install-db.out >&2; die "mariadb-install-db failed"; }
	rm -f /tmp/install-db.out
	log "datadir initialised"

	log "starting temporary server (no networking, no binlog)"
	"$@" "${run_as_mysql[@]}" --skip-networking --skip-log-bin --socket="$SOCKET" \
		--loose-innodb_buffer_pool_load_at_startup=0 &
	TEMP_PID=$!

	# root has no password yet (auth-root-authentication-method=normal)
	MYSQL_PWD=''
	export MYSQL_PWD
	mysql_root() { mariadb --protocol=socket --socket="$SOCKET" -uroot --database=mysql "$@"; }

	for i in $(seq 60); do
		if mysql_root -e 'SELECT 1' >/dev/null 2>&1; then break; fi
		kill -0 "$TEMP_PID" 2>/dev/null || { wait "$TEMP_PID" || true; TEMP_PID=''; die "temporary server exited during startup (see log above)"; }
		[ "$i" -lt 60 ] || die "temporary server did not accept connections within 60s"
		sleep 1
	done
	log "temporary server is up (pid $TEMP_PID)"

	sql_escape() { local s=${1//\\/\\\\}; printf '%s' "${s//\'/\\\'}"; }
	root_pw=$(sql_escape "$MYSQL_ROOT_PASSWORD")

	# Keep only root@localhost and the system accounts, set the password, add root@'%'.
	mysql_root --binary-mode <<-EOSQL
		SET @@SESSION.SQL_LOG_BIN=0;
		DELETE FROM mysql.global_priv WHERE NOT ((User='root' AND Host='localhost') OR User IN ('mariadb.sys','mysql.sys'));
		DELETE FROM mysql.proxies_priv WHERE NOT (User='root' AND Host='localhost');
		FLUSH PRIVILEGES;
		ALTER USER 'root'@'localhost' IDENTIFIED BY '${root_pw}';
		CREATE USER 'root'@'%' IDENTIFIED BY '${root_pw}';
		GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;
		GRANT PROXY ON ''@'%' TO 'root'@'%' WITH GRANT OPTION;
		FLUSH PRIVILEGES;
	EOSQL
	MYSQL_PWD=$MYSQL_ROOT_PASSWORD
	log "root password set for 'root'@'localhost' and 'root'@'%'"

	if [ -n "${MYSQL_DATABASE:-}" ]; then
		log "creating database ${MYSQL_DATABASE}"
		mysql_root -e "CREATE DATABASE IF NOT EXISTS \`${MYSQL_DATABASE//\`/\`\`}\`;"
	fi
	if [ -n "${MYSQL_USER:-}" ] && [ -n "${MYSQL_PASSWORD:-}" ]; then
		log "creating user ${MYSQL_USER}"
		mysql_root -e "CREATE USER '$(sql_escape "$MYSQL_USER")'@'%' IDENTIFIED BY '$(sql_escape "$MYSQL_PASSWORD")';"
		if [ -n "${MYSQL_DATABASE:-}" ]; then
			mysql_root -e "GRANT ALL ON \`${MYSQL_DATABASE//\`/\`\`}\`.* TO '$(sql_escape "$MYSQL_USER")'@'%';"
		fi
	fi

	for f in /docker-entrypoint-initdb.d/*; do
		case "$f" in
			*.sh)
				log "running $f"
				# Child bash with the container's environment (MYSQL_PWD is not leaked).
				env -u MYSQL_PWD bash "$f" || die "init script $f failed (exit $?)"
				;;
			*.sql)
				log "running $f"
				mysql_root < "$f" || die "init SQL $f failed"
				;;
			*.sql.gz)
				log "running $f"
				gunzip -c "$f" | mysql_root || die "init SQL $f failed"
				;;
			*)
				log "ignoring $f"
				;;
		esac
	done

	log "stopping temporary server"
	mariadb-admin --protocol=socket --socket="$SOCKET" -uroot shutdown \
		|| die "could not shut the temporary server down"
	if ! wait "$TEMP_PID"; then
		TEMP_PID=''
		die "temporary server did not shut down cleanly"
	fi
	TEMP_PID=''
	unset MYSQL_PWD
	rm -f "$INIT_MARKER"
	trap - EXIT
	log "initialisation complete; starting the server"
else
	log "datadir $DATADIR already initialised; skipping initialisation"
fi

trap - ERR
exec "$@" "${run_as_mysql[@]}"

#!/bin/sh
# Creates Temporal's two PostgreSQL databases and brings their schemas to the version of the
# temporalio/admin-tools image that runs this (the same version as temporalio/server).
# Safe to run again: an existing database is kept and only newer schema versions are applied.
set -eu
: "${SQL_PASSWORD:?}"
host=${POSTGRES_SEEDS:-postgres}
port=${DB_PORT:-5432}
user=${POSTGRES_USER:-sg989}
schemas=/etc/temporal/schema/postgresql/v12
sql() { temporal-sql-tool --plugin postgres12 --ep "$host" -p "$port" -u "$user" "$@"; }

until nc -z -w 5 "$host" "$port"; do echo "waiting for PostgreSQL at $host:$port"; sleep 2; done
for pair in "${DBNAME:-temporal}:temporal" "${VISIBILITY_DBNAME:-temporal_visibility}:visibility"; do
  db=${pair%%:*}
  dir=${pair##*:}
  sql --db "$db" create || echo "database $db exists already"
  sql --db "$db" setup-schema -v 0.0
  sql --db "$db" update-schema -d "$schemas/$dir/versioned"
  echo "schema of $db is up to date"
done

#!/usr/bin/env bash
# First start of the bundled PostgreSQL (deploy/compose.yaml mounts this file into
# /docker-entrypoint-initdb.d/, which the postgres image runs once, on an empty data volume):
# the warehouse's role and database, and Dagster's. `bdc db start` (the compose migrate service)
# then makes the warehouse's schemas and read-only roles, so the warehouse role may create roles.
#
# Also usable by hand against any new server: set POSTGRES_USER (a superuser), PGHOST/PGPORT/
# PGPASSWORD as psql reads them, and the variables below.
#   BDC_WAREHOUSE_PASSWORD, DAGSTER_PG_PASSWORD    required
#   BDC_WAREHOUSE_USER (bdc), BDC_WAREHOUSE_DB (warehouse),
#   DAGSTER_PG_USERNAME (dagster), DAGSTER_PG_DB (dagster)
set -euo pipefail

: "${BDC_WAREHOUSE_PASSWORD:?Set BDC_WAREHOUSE_PASSWORD: the password of the warehouse role}"
: "${DAGSTER_PG_PASSWORD:?Set DAGSTER_PG_PASSWORD: the password of the Dagster role}"

psql --no-psqlrc -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
  -v warehouse_user="${BDC_WAREHOUSE_USER:-bdc}" \
  -v warehouse_db="${BDC_WAREHOUSE_DB:-warehouse}" \
  -v warehouse_password="$BDC_WAREHOUSE_PASSWORD" \
  -v dagster_user="${DAGSTER_PG_USERNAME:-dagster}" \
  -v dagster_db="${DAGSTER_PG_DB:-dagster}" \
  -v dagster_password="$DAGSTER_PG_PASSWORD" <<'SQL'
create role :"warehouse_user" login createrole password :'warehouse_password';
create role :"dagster_user" login password :'dagster_password';
-- On a managed service (PostgreSQL 16 and later) the admin role that runs this is not a
-- superuser, and may give a database to a role only as a member of it.
grant :"warehouse_user", :"dagster_user" to current_user;
create database :"warehouse_db" owner :"warehouse_user";
create database :"dagster_db" owner :"dagster_user";
-- Dagster's database is Dagster's alone; the warehouse's read-only roles (analyst,
-- public_reader) connect to the warehouse only.
revoke all on database :"dagster_db" from public;
SQL

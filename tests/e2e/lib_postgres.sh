# Sourced after lib.sh by the end-to-end tests that run plauditd on PostgreSQL: open_test_schema
# makes a schema of the test's own in ctest's cluster (PLAUDIT_TEST_POSTGRES_DIR), or in a cluster
# started for the script when it runs alone, and sets `dsn` to reach it (and `base_dsn`, the
# cluster's); close_test_schema drops it and stops a cluster of the script's own. Call it from the
# script's EXIT trap.
pg_cluster=
open_test_schema() {
  if [[ -n ${PLAUDIT_TEST_POSTGRES_DIR:-} && -s $PLAUDIT_TEST_POSTGRES_DIR/dsn ]]; then
    base_dsn=$(cat "$PLAUDIT_TEST_POSTGRES_DIR/dsn")
  else
    pg_cluster=$(mktemp -d "${TMPDIR:-/tmp}/plaudit-e2e-pg.XXXXXX")
    base_dsn=$(bash "$src/scripts/test-postgres.sh" start "$pg_cluster")
  fi
  schema=e2e_$$_$RANDOM
  psql "$base_dsn" -qc "CREATE SCHEMA $schema" >/dev/null || fail "cannot create schema $schema"
  dsn="$base_dsn?options=-csearch_path%3D$schema"
}
close_test_schema() {
  if [[ -n ${schema:-} && -n ${base_dsn:-} ]]; then
    psql "$base_dsn" -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
  fi
  [[ -z $pg_cluster ]] || bash "$src/scripts/test-postgres.sh" stop "$pg_cluster" || true
}
# sql QUERY: one query's rows on the test schema, unaligned, tab-separated.
sql() { psql "$dsn" -AtF $'\t' -c "$1"; }

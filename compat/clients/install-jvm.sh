#!/usr/bin/env bash
# Installs pgjdbc (Debian's libpostgresql-jdbc-java) and a JDK if missing, and
# compiles the JDBC client into ${COMPAT_INSTALL_ROOT:-/opt/datapress-compat}/build/java (idempotent).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${COMPAT_INSTALL_ROOT:-/opt/datapress-compat}/build/java"
need=()
[ -e /usr/share/java/postgresql.jar ] || need+=(libpostgresql-jdbc-java)
command -v javac >/dev/null 2>&1 || need+=(default-jdk-headless)
if [ "${#need[@]}" -gt 0 ]; then
  apt-get update -q
  apt-get install -y -q "${need[@]}"
fi
mkdir -p "$out"
javac -cp /usr/share/java/postgresql.jar -d "$out" "$here/java/JdbcClient.java"
jars=(/usr/share/java/postgresql-4*.jar)
version="${jars[0]##*/postgresql-}"
echo "pgjdbc ${version%.jar} -> $out/JdbcClient.class"

#!/usr/bin/env bash
# Debian packages the platform needs beyond Python: the PostgreSQL server (the warehouse),
# plus whatever the outputs need. Installs only what is missing, and only when running as root;
# otherwise says what to install.
set -euo pipefail
need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || need+=(postgresql)
# Reports: pdftoppm (tests render PDF pages); pages and the officer app: Chromium, headless.
command -v pdftoppm >/dev/null || need+=(poppler-utils)
[ -x /usr/bin/chromium ] || need+=(chromium)
# The public site's styles are compiled with npm packages.
command -v npm >/dev/null || need+=(nodejs npm)
# Tests: the Nu HTML Checker (npm vnu-jar) runs on Java.
command -v java >/dev/null || need+=(default-jre-headless)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "Please install these Debian packages first: sudo apt-get install ${need[*]}" >&2
  exit 1
fi

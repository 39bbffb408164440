#!/usr/bin/env bash
# Set up a development machine and run the tracker or its tests.
#   ./dev.sh run    virtualenv + package + mosquitto (where missing), then `zw run` with demo data
#   ./dev.sh test   the same set-up, PostgreSQL started where it is not running, then pytest
# Works on a fresh Debian/Ubuntu machine with Python 3.11 (uses sudo for apt-get when not root).
set -euo pipefail
cd "$(dirname "$0")"
VENV=${ZW_VENV:-.venv}
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo ">> installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null \
    || { as_root apt-get update -q >/dev/null && \
         as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null; }
}

setup() {
  command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || apt_install mosquitto mosquitto-clients
  command -v mosquitto_ctrl >/dev/null || apt_install mosquitto-clients
  "$PY" -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv
  [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
  local stamp="$VENV/.installed"
  if [ ! -f "$stamp" ] || [ setup.cfg -nt "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo ">> installing the package into $VENV"
    "$VENV/bin/pip" install -q --upgrade pip setuptools wheel
    "$VENV/bin/pip" install -q -e '.[test]'
    touch "$stamp"
  fi
}

pg_url() { echo "${ZW_TEST_PG_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"; }

ensure_postgres() {
  # The suite runs on SQLite and PostgreSQL; start PostgreSQL when it is installed but stopped,
  # install it when it is missing. ZW_TEST_DATABASES=sqlite skips this on purpose.
  case "${ZW_TEST_DATABASES:-sqlite,postgresql}" in *postgresql*) ;; *) return 0 ;; esac
  local url; url=$(pg_url)
  if "$VENV/bin/python" - "$url" <<'PY' 2>/dev/null; then return 0; fi
import sys, sqlalchemy
sqlalchemy.create_engine(sys.argv[1]).connect().close()
PY
  command -v pg_ctlcluster >/dev/null || apt_install postgresql
  local ver; ver=$(ls /etc/postgresql | sort -V | tail -1)
  echo ">> starting PostgreSQL $ver"
  as_root pg_ctlcluster --skip-systemctl-redirect "$ver" main start 2>/dev/null || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done
  if ! "$VENV/bin/python" - "$url" <<'PY' 2>/dev/null; then
import sys, sqlalchemy
sqlalchemy.create_engine(sys.argv[1]).connect().close()
PY
    # A fresh Debian cluster asks for a password on TCP: give the test role one.
    as_root su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null
    as_root su postgres -c "createdb test" 2>/dev/null || true
    export ZW_TEST_PG_URL="postgresql+psycopg://postgres:postgres@127.0.0.1:5432/test"
  fi
}

ensure_browser() {
  # The browser tests (tests/browser, marked `browser`) drive Debian's headless chromium through
  # its chromedriver; they fail, never skip, when it is missing. `-m "not browser"` skips them.
  [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] || apt_install chromium chromium-driver
}

case "${1:-run}" in
  setup) setup ;;
  run) setup; shift || true; exec "$VENV/bin/zw" run "$@" ;;
  test) setup; ensure_postgres; ensure_browser; shift || true; exec "$VENV/bin/pytest" "$@" ;;
  *) echo "usage: $0 run|test|setup [args]" >&2; exit 2 ;;
esac

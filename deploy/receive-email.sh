#!/bin/sh
# CoP Platform: hand one email, read on standard input, to `manage.py receive_email`, for an
# MTA's pipe (deploy/postfix/master.cf) or an alias (`|/srv/cop-platform/deploy/receive-email.sh`).
#
#   receive-email.sh --sender SENDER --recipient RECIPIENT < message
#
# Settings come from the project's .env (cop_platform/settings.py reads it by its full path), so
# this runs with the same DATABASE_URL, SECRET_KEY and INBOUND_EMAIL_DOMAIN as the site, as
# the `cop` user that owns .env; Postfix's pipe passes almost no environment.
#
# The exit status is what the MTA acts on (sysexits.h): 0 delivered; 75 (EX_TEMPFAIL) keep the
# message queued and try again later (the database restarting, an upgrade in progress); the
# other sysexits codes the command chose (67 unknown address, 65 malformed, 77 refused, ...)
# return the mail to its sender. Anything else (Python could not start, a crash, a kill by the
# OOM killer) is not a verdict on the message, so it becomes 75: mail is never bounced for a
# fault of ours. COP_PYTHON overrides the interpreter (the tests use their own).
APP="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${COP_PYTHON:-$APP/.venv/bin/python}"
cd "$APP" || exit 75
"$PYTHON" "$APP/manage.py" receive_email "$@"
status=$?
case "$status" in
    0 | 64 | 65 | 66 | 67 | 68 | 69 | 70 | 71 | 72 | 73 | 74 | 75 | 76 | 77 | 78) exit "$status" ;;
    *)
        echo "4.3.0 receive_email ended with status $status; trying again later" >&2
        exit 75
        ;;
esac

#!/usr/bin/env python
"""manage.py of the Spirit project bench/compare.py measures (run it with bench/spirit/.venv)."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spirit_bench.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)

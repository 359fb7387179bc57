"""`manage.py i18n_check`: fails when a member would meet a string in the wrong language.

Run by `make i18n-check` in CI (cop_platform/translation_checks.py says what each check finds).
Updating the catalogues is `make messages`; this command changes nothing on disk.
"""

import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management import BaseCommand, CommandError, call_command

from cop_platform import translation_checks

# The languages shipped whole: every entry translated. Others (Arabic) may be partial.
COMPLETE_LANGUAGES = ("fr", "es")
# The language the strings are written in: it has no catalogue.
SOURCE_LANGUAGE = "en"
# Where makemessages must not look: not served to members.
IGNORED_PATHS = (".venv", "tests", "bench", "var", "docs", "deploy", "node_modules", "staticfiles")


def translated_languages():
    """Every language of LANGUAGES but the one the code is written in."""
    return [code for code, _name in settings.LANGUAGES if code != SOURCE_LANGUAGE]


def makemessages(languages):
    call_command(
        "makemessages",
        locale=list(languages),
        ignore_patterns=list(IGNORED_PATHS),
        no_obsolete=True,
        add_location="file",
        verbosity=0,
    )


class Command(BaseCommand):
    help = "Checks that every template string is marked and every catalogue is up to date and complete."

    def handle(self, *args, **options):
        locale_dir = Path(settings.LOCALE_PATHS[0])
        problems = [str(item) for item in self.unmarked()]
        problems += self.stale(locale_dir)
        for language in COMPLETE_LANGUAGES:
            po_path = locale_dir / language / "LC_MESSAGES" / "django.po"
            if not po_path.exists():
                problems.append(f"{po_path} is missing")
                continue
            problems += [f"{language}: {problem}" for problem in translation_checks.incomplete_translations(po_path)]
        for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/django.po")):
            problems += translation_checks.mo_out_of_date(po_path)
        for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
            problems += translation_checks.plural_form_mismatches(po_path)
        for problem in problems:
            self.stdout.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} translation problem(s); mark the strings, then `make messages`.")
        self.stdout.write("Every template string is marked; the catalogues are up to date and complete.")

    def unmarked(self):
        base = Path(settings.BASE_DIR)
        return translation_checks.unmarked_template_text([base / "templates"], relative_to=base)

    def stale(self, locale_dir):
        """Entries makemessages would add or remove, found on a copy: the catalogues are restored."""
        if shutil.which("xgettext") is None:
            raise CommandError("xgettext is missing: install gettext (apt-get install gettext) to check catalogues.")
        languages = translated_languages()
        with tempfile.TemporaryDirectory() as backup:
            saved = Path(backup) / "locale"
            locale_dir.mkdir(exist_ok=True)
            shutil.copytree(locale_dir, saved)
            try:
                makemessages(languages)
                problems = []
                for language in languages:
                    relative = Path(language) / "LC_MESSAGES" / "django.po"
                    committed_path = saved / relative
                    committed = translation_checks.catalogue_keys(committed_path) if committed_path.exists() else set()
                    extracted = translation_checks.catalogue_keys(locale_dir / relative)
                    problems += [f"{language}: new: {key[1]!r}" for key in sorted(extracted - committed)]
                    problems += [f"{language}: gone: {key[1]!r}" for key in sorted(committed - extracted)]
                return problems
            finally:
                shutil.rmtree(locale_dir)
                shutil.copytree(saved, locale_dir)

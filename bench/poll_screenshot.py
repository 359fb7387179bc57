"""Take docs/screenshots/poll.png: a thread's poll with its results, as a demo member who voted.

    .venv/bin/python bench/poll_screenshot.py [--out docs/screenshots]

Same throwaway set-up as bench/screenshots.py (SQLite, migrate, seed_demo, runserver on a
free local port, Debian's chromium); then adds a poll to a demo thread and has a few demo
members vote, through the services, before shooting the thread page's poll.
"""

import argparse
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright
from screenshots import CHROMIUM, CHROMIUM_ARGS, DEMO_MEMBER_EMAIL, ROOT, demo_site, sign_in

ADD_POLL = """
from communities.models import Membership
from discussions.models import Thread
from discussions.services.polls import PollSpec, poll_create, poll_vote
from members.models import User
thread = Thread.objects.filter(community__slug="water-security", hidden_at=None).order_by("-reply_count").first()
poll = poll_create(actor=thread.author, thread=thread, spec=PollSpec(
    question="Which funding model keeps your handpumps working?",
    options=["A caretaker paid a retainer from the tariff", "Pay per use at the pump", "An annual household levy",
             "District maintenance contract"],
))
options = list(poll.options.all())
member = User.objects.get(email="{member}")
voters = [m.user for m in Membership.objects.filter(community=thread.community, state="active").exclude(user=member)]
for n, voter in enumerate(voters[:11]):
    poll_vote(actor=voter, poll=poll, option_ids=[options[(n * 7) % 5 % 4].pk])
poll_vote(actor=member, poll=poll, option_ids=[options[0].pk])
print(thread.get_absolute_url())
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    options = parser.parse_args()
    with demo_site("cop-poll-shot-") as (base, env):
        url = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", ADD_POLL.replace("{member}", DEMO_MEMBER_EMAIL)],
            cwd=ROOT, env=env, check=True, capture_output=True, text=True,
        ).stdout.strip().splitlines()[-1]  # fmt: skip
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(base_url=base, viewport={"width": 900, "height": 900})
            sign_in(page, DEMO_MEMBER_EMAIL)
            page.goto(url)
            path = options.out / "poll.png"
            page.locator("#poll").screenshot(path=str(path))
            print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}  <- {url}#poll")
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

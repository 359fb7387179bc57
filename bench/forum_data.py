"""The data bench/compare.py gives both forums: the same members, threads and post texts.

Pure Python (no Django), so that CoP Platform's seeder (bench/compare.py, our virtualenv) and
Spirit's (bench/spirit/seed.py, Spirit's virtualenv) read one plan and write the same rows:
2,000 members, 200 threads of 5 posts, one flat thread of 1,000 posts, and (ours only: Spirit
has no reply tree) one thread of 1,000 posts in nested replies. Sizes are arguments so a smoke
test can run small.
"""

import random
from dataclasses import dataclass, field

PASSWORD = "bench-password-1"  # every seeded member's; hashed once, reused for all rows
WORDS = (
    "borehole pump maintenance groundwater recharge sand dam chlorine dosing latrine sanitation hygiene "
    "budget procurement treasury audit clinic vaccination supervision outreach drought irrigation soil "
    "farmers harvest logistics warehouse fleet inventory district team report month partners data"
).split()


@dataclass
class Plan:
    users: int = 2000
    short_threads: int = 200
    posts_per_short_thread: int = 5
    long_posts: int = 1000
    nested_posts: int = 1000
    seed: int = 7
    rng: random.Random = field(init=False, repr=False)

    def __post_init__(self):
        self.rng = random.Random(self.seed)

    def username(self, index: int) -> str:
        return f"bench{index}"

    def email(self, index: int) -> str:
        return f"bench{index}@example.org"

    def author(self) -> int:
        return self.rng.randrange(self.users)

    def title(self, number: int) -> str:
        words = " ".join(self.rng.choice(WORDS) for _ in range(self.rng.randint(3, 7)))
        return f"Topic {number}: {words}".capitalize()

    def body(self, number: int) -> str:
        """A post of two or three short paragraphs with the Markdown members use (emphasis, a
        link, a list now and then), about 400 characters."""
        paragraphs = []
        for _ in range(self.rng.randint(2, 3)):
            words = [self.rng.choice(WORDS) for _ in range(self.rng.randint(15, 30))]
            words[self.rng.randrange(len(words))] = f"*{self.rng.choice(WORDS)}*"
            paragraphs.append(" ".join(words).capitalize() + ".")
        paragraphs.append(f"See [our notes](https://example.org/notes/{number}) on this.")
        if number % 4 == 0:
            paragraphs.append("- first point\n- second point")
        return "\n\n".join(paragraphs)

    def short_thread_specs(self):
        """(title, author, [(author, body), ...]) for each short thread, opening post first."""
        for n in range(self.short_threads):
            posts = [(self.author(), self.body(n * 10 + i)) for i in range(self.posts_per_short_thread)]
            yield self.title(n), posts[0][0], posts

    def long_thread_spec(self, posts: int, title: str):
        return title, 0, [(self.author(), self.body(100_000 + i)) for i in range(posts)]

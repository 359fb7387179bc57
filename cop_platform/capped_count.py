"""A ranked list that counts only up to a limit, as Paginator reads it.

Search and the expertise finder rank their matches in the database and count them only up to
a limit plus one: "more than 1,000 results" tells as much as the exact figure, and a broad
query on a large site need not check every match. The pages show "More than N" when the count
passes the limit (`is_capped`)."""


class CappedCount:
    """Subclasses give `count()` (up to `count_limit` + 1) and `count_limit`, and slices."""

    count_limit: int

    def count(self) -> int:
        raise NotImplementedError

    @property
    def is_capped(self) -> bool:
        return self.count() > self.count_limit

    def __len__(self) -> int:
        return self.count()

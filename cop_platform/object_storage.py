"""Avatars on S3-compatible object storage (FILE_STORAGE=s3): signed links, reused.

The bucket is private, so an avatar's `<img src>` is a signed link. Signing one costs about
0.4 ms of Python (measured on this machine), which a member list of 40 faces would pay on every
render, and every new link is a new address the browser downloads again. This storage keeps
each avatar's link in the process and hands the same one out for half its lifetime (12 hours
with the default AWS_AVATAR_QUERYSTRING_EXPIRE), so a page costs one dictionary lookup per
face and the browser's cache works; a link handed out always has at least half its life left.
Private files (library, attachments, exports) never come here: their links are made per
download, with their own headers (cop_platform.file_delivery).
"""

import time

from storages.backends.s3 import S3Storage

# An upper bound on the links kept per process (about 300 bytes each).
MAX_KEPT_LINKS = 20_000


class AvatarStorage(S3Storage):
    def __init__(self, **options):
        super().__init__(**options)
        self._links: dict[str, tuple[str, float]] = {}

    def url(self, name, parameters=None, expire=None, http_method=None):
        if parameters or expire or http_method:
            return super().url(name, parameters=parameters, expire=expire, http_method=http_method)
        now = time.monotonic()
        kept = self._links.get(name)
        if kept and kept[1] > now:
            return kept[0]
        link = super().url(name)
        if len(self._links) >= MAX_KEPT_LINKS:
            self._links.clear()
        self._links[name] = (link, now + self.querystring_expire / 2)
        return link

    def delete(self, name):
        self._links.pop(name, None)
        super().delete(name)

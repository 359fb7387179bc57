"""Refusing oversized uploads while they arrive, instead of after storing them.

Django spools every uploaded file to memory or a temporary file before any form sees it, so a
2 GB "document" would fill the disk before the library refused it. This handler goes first in
FILE_UPLOAD_HANDLERS: once a file passes UPLOAD_CAP_BYTES it stops passing the bytes on (only
counts them), and hands the form an empty placeholder whose `size` is what arrived. The usual
validators (cop_platform.upload_checks.check_upload, members.avatars) then refuse it with their own
message, "This file is 300 MB; the limit is 25 MB", and the other fields typed are kept.
nginx's client_max_body_size still caps the request itself in production.
"""

from io import BytesIO

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler


class OversizedUpload(InMemoryUploadedFile):
    """An upload refused for its size: no content, the size that arrived."""


def upload_cap_bytes() -> int:
    return max(settings.RESOURCE_MAX_UPLOAD_BYTES, settings.AVATAR_MAX_BYTES, settings.POST_ATTACHMENT_MAX_BYTES)


class SizeCappedUploadHandler(FileUploadHandler):
    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0
        self.cap = upload_cap_bytes()

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.cap:
            return None  # swallowed: the handlers after this one never store it
        return raw_data

    def file_complete(self, file_size):
        if self.received <= self.cap:
            return None  # the next handler (memory or temporary file) completes it
        return OversizedUpload(
            BytesIO(), self.field_name, self.file_name, self.content_type, self.received, self.charset
        )

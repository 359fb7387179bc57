"""Checking uploaded files before they reach storage (library files and post attachments).

A file is accepted only when its extension is on the allow-list AND its content is what that
extension claims: a PDF starts like a PDF, a .docx is a ZIP holding a Word document, a .csv is
text. Anything a browser could run (HTML, SVG, XML, scripts, executables) is refused whatever
it is named, and so is a text file that contains markup. The uploader's file name is kept only
as display text, stripped of any path.

Images are not stored as uploaded: they are re-encoded without their metadata (cop_platform.
images), so a phone photo shared in a library or a post does not publish where and when it was
taken. Each caller passes its own size cap (resources.uploads, discussions.services.attachments).
"""

import io
import os
import unicodedata
import zipfile
from dataclasses import dataclass

import puremagic
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, UnidentifiedImageError

from cop_platform import images

TEXT_EXTENSIONS = {".csv": "text/csv", ".txt": "text/plain", ".md": "text/markdown"}
IMAGE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".gif": "GIF", ".webp": "WEBP"}
OOXML = {
    ".docx": ("word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".xlsx": ("xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".pptx": ("ppt/", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
}
OPEN_DOCUMENT = {
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".odp": "application/vnd.oasis.opendocument.presentation",
}
LEGACY_OFFICE = {
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".ppt": "application/vnd.ms-powerpoint",
}
OLE2_SIGNATURE = bytes.fromhex("d0cf11e0a1b11ae1")
ACCEPTED_EXTENSIONS = sorted({".pdf", ".zip", *TEXT_EXTENSIONS, *IMAGE_FORMATS, *OOXML, *OPEN_DOCUMENT, *LEGACY_OFFICE})
# Lazy: read in the language of whoever sees it (use it in format_lazy or at run time, not in
# a string built at import).
ACCEPTED_DESCRIPTION = gettext_lazy(
    "PDF, Word/Excel/PowerPoint or OpenDocument files, images (PNG, JPEG, GIF, WebP), CSV, plain text and ZIP"
)
# Markers of content a browser would interpret, looked for in text files.
MARKUP_MARKERS = (b"<html", b"<!doctype", b"<script", b"<svg", b"<?xml", b"<iframe", b"<body", b"<head", b"javascript:")
SNIFF_BYTES = 8192
# Re-encoding decodes every pixel (3-4 bytes each, all frames of an animation at once): this
# keeps one upload under about 320 MB of memory while accepting 61-megapixel camera photos.
MAX_IMAGE_PIXELS = 80_000_000


@dataclass(frozen=True)
class CheckedUpload:
    display_name: str
    extension: str
    content_type: str
    size: int
    # What to store: the upload itself, or for an image its copy without metadata.
    content: File
    # Pixels of a (re-encoded, upright) image; None for other files.
    width: int | None = None
    height: int | None = None

    @property
    def is_image(self) -> bool:
        return self.width is not None


def display_name_of(raw_name: str) -> str:
    """The uploader's file name made harmless: no directories (either slash), no control
    characters, a safe character set, and a sensible length."""
    name = raw_name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C")
    name = name.strip().lstrip(".")
    stem, extension = os.path.splitext(name)
    stem = get_valid_filename(stem) if stem.strip() else "file"
    return f"{stem[:150]}{extension.lower()[:10]}"


def check_upload(upload, *, max_bytes: int) -> CheckedUpload:
    """Return what the file is, or raise ValidationError saying why it is refused."""
    limit = max_bytes
    if upload.size > limit:
        raise ValidationError(
            _("This file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    if upload.size == 0:
        raise ValidationError(_("This file is empty."), code="empty")
    name = display_name_of(upload.name or "")
    extension = os.path.splitext(name)[1]
    if extension not in ACCEPTED_EXTENSIONS:
        if extension:
            message = _("Files of type %(extension)s are not accepted. Accepted: %(accepted)s.")
        else:
            message = _("Files without an extension are not accepted. Accepted: %(accepted)s.")
        raise ValidationError(message % {"extension": extension, "accepted": ACCEPTED_DESCRIPTION}, code="type")
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    content_type = _content_type_if_genuine(extension, head, upload)
    if content_type is None:
        raise ValidationError(
            _(
                "This file's content does not match its name (%(extension)s). It may be damaged, or another kind "
                "of file renamed; it was not accepted."
            )
            % {"extension": extension},
            code="mismatch",
        )
    if extension not in IMAGE_FORMATS:
        return CheckedUpload(
            display_name=name, extension=extension, content_type=content_type, size=upload.size, content=upload
        )
    content = _without_metadata(upload)
    with Image.open(content) as image:  # reads the header only
        width, height = image.size
    content.seek(0)
    return CheckedUpload(
        display_name=name, extension=extension, content_type=content_type, size=content.size, content=content,
        width=width, height=height,
    )  # fmt: skip


def _content_type_if_genuine(extension: str, head: bytes, upload) -> str | None:
    if _looks_like_markup(head) and extension not in OOXML and extension not in OPEN_DOCUMENT:
        return None
    if extension == ".pdf":
        return "application/pdf" if head.lstrip(b"\0\t\r\n ").startswith(b"%PDF-") else None
    if extension in IMAGE_FORMATS:
        return _image_type(upload, IMAGE_FORMATS[extension])
    if extension in TEXT_EXTENSIONS:
        return TEXT_EXTENSIONS[extension] if _is_plain_text(upload) else None
    if extension in LEGACY_OFFICE:
        return LEGACY_OFFICE[extension] if head.startswith(OLE2_SIGNATURE) else None
    if extension in OOXML or extension in OPEN_DOCUMENT or extension == ".zip":
        return _zip_type(upload, extension)
    return None


def _looks_like_markup(head: bytes) -> bool:
    lowered = head.lower()
    if any(marker in lowered for marker in MARKUP_MARKERS):
        return True
    try:
        guesses = puremagic.magic_string(head)
    except puremagic.PureError:
        return False
    return any(guess.extension in (".html", ".htm", ".svg", ".xml", ".xhtml") for guess in guesses[:2])


def _image_type(upload, expected_format: str) -> str | None:
    try:
        with Image.open(upload) as image:
            image_format = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    finally:
        upload.seek(0)
    if image_format == "MPO" and expected_format == "JPEG":  # a phone photo with a depth map: a JPEG
        return "image/jpeg"
    return Image.MIME.get(image_format) if image_format == expected_format else None


def _without_metadata(upload, *, only_if_any: bool = False) -> ContentFile | None:
    """The image re-encoded from its pixels alone (already checked to be what its name says);
    with `only_if_any`, None for an image that carries no metadata."""
    try:
        with images.opened(
            upload, formats=set(IMAGE_FORMATS.values()), max_pixels=MAX_IMAGE_PIXELS, count_frames=True
        ) as image:
            if only_if_any and not images.carries_metadata(image):
                return None
            return ContentFile(images.without_metadata(image, source=upload), name="upload")
    except images.TooManyPixels as error:
        if error.frames > 1:
            message = _(
                "This image is %(width)s × %(height)s pixels in %(frames)s frames, too large to process. "
                "Upload one under %(megapixels)s megapixels."
            )
        else:
            message = _(
                "This image is %(width)s × %(height)s pixels, too large to process. "
                "Upload one under %(megapixels)s megapixels."
            )
        raise ValidationError(
            message
            % {
                "width": error.width,
                "height": error.height,
                "frames": error.frames,
                "megapixels": MAX_IMAGE_PIXELS // 1_000_000,
            },
            code="too_many_pixels",
        ) from error
    except images.NotAnImage as error:
        raise ValidationError(
            _("This image is damaged and could not be read; it was not accepted."), code="damaged"
        ) from error


def stored_image_without_metadata(file) -> ContentFile | None:
    """For library images stored before uploads were cleaned: the copy without metadata, or
    None if there is none to remove. Raises ValidationError for a file that cannot be read."""
    return _without_metadata(file, only_if_any=True)


def _is_plain_text(upload) -> bool:
    """UTF-8 (or Latin-1) text without NUL bytes or markup, read in chunks."""
    upload.seek(0)
    try:
        for chunk in upload.chunks():
            if b"\0" in chunk or _looks_like_markup(chunk):
                return False
    finally:
        upload.seek(0)
    return True


def _zip_type(upload, extension: str) -> str | None:
    upload.seek(0)
    try:
        with zipfile.ZipFile(_readable(upload)) as archive:
            names = archive.namelist()
            if extension in OOXML:
                folder, content_type = OOXML[extension]
                ok = "[Content_Types].xml" in names and any(n.startswith(folder) for n in names)
                return content_type if ok else None
            if extension in OPEN_DOCUMENT:
                declared = archive.read("mimetype").decode("ascii", "replace").strip() if "mimetype" in names else ""
                return OPEN_DOCUMENT[extension] if declared == OPEN_DOCUMENT[extension] else None
            return "application/zip"
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return None
    finally:
        upload.seek(0)


def _readable(upload):
    """A seekable file object for zipfile: the upload's own file when it has one."""
    file = getattr(upload, "file", None)
    if file is not None and hasattr(file, "seek"):
        return file
    return io.BytesIO(upload.read())

"""Avatar images: refuse anything that is not a real photo, and never store what was uploaded.

An upload is only trusted as far as Pillow can decode it as JPEG, PNG, GIF or WebP, whatever
its name or declared type says (an HTML page renamed `.png` or an SVG with script in it never
gets through). What we store is a fresh square PNG drawn from the decoded pixels, so metadata,
trailing payloads (polyglot files) and animation frames are all left behind. The stored name
comes from the model's `upload_to`, never from the uploader.
"""

import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from cop_platform import images

ACCEPTED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}
# Refuse a "decompression bomb" (a small file that expands to gigabytes of pixels) before it is
# decoded: cop_platform.images checks the dimensions from the header.
MAX_PIXELS = 40_000_000


def process_avatar(upload) -> ContentFile:
    """Validate an uploaded file and return it re-encoded as a square PNG of
    settings.AVATAR_SIZE_PX. Raises ValidationError with a message a member can act on."""
    if upload.size > settings.AVATAR_MAX_BYTES:
        raise ValidationError(
            _(
                "This image is %(size)s; the largest photo you can upload is %(limit)s. "
                "Try a smaller or more compressed image."
            ),
            code="too_large",
            params={"size": filesizeformat(upload.size), "limit": filesizeformat(settings.AVATAR_MAX_BYTES)},
        )
    try:
        with images.opened(upload, formats=ACCEPTED_FORMATS, max_pixels=MAX_PIXELS) as image:
            image.seek(0)  # The first frame of an animation.
            image.load()
            square = _square(image, settings.AVATAR_SIZE_PX)
    except images.TooManyPixels as error:
        raise ValidationError(
            _("This image is %(width)s × %(height)s pixels, too large to process. Upload one under 40 megapixels."),
            code="too_many_pixels",
            params={"width": error.width, "height": error.height},
        ) from error
    except images.NotAnImage as error:
        raise ValidationError(
            _("This file is not a photo we can use. Upload a JPEG, PNG, GIF or WebP image."), code="invalid_image"
        ) from error
    output = io.BytesIO()
    square.save(output, format="PNG", optimize=True)
    return ContentFile(output.getvalue(), name="avatar.png")


def _square(image: Image.Image, size: int) -> Image.Image:
    """Upright (EXIF orientation applied), centre-cropped to a square, resized, in a mode PNG keeps."""
    image = ImageOps.exif_transpose(image)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    image = image.convert("RGBA" if has_alpha else "RGB")
    return ImageOps.fit(image, (size, size), method=Image.Resampling.LANCZOS)

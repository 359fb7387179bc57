"""Uploaded images: decoded only as a format we accept, and stored without what the camera wrote.

Profile photos and library images share these rules. An upload is trusted only as far as
Pillow decodes it as one of the formats asked for, whatever its name says, and its pixel count
is checked from the header before anything is decoded (a small file can expand to gigabytes).

`without_metadata` re-encodes an image in its own format from the decoded pixels, so nothing
the file carried besides pixels survives: EXIF (GPS position, camera, dates, owner), XMP, IPTC,
comments, PNG text chunks, trailing payloads. The EXIF orientation is applied first, so a phone
photo stays upright once its orientation tag is gone. Kept: the ICC colour profile (it says how
to read the colours, not who or where; dropping it shifts wide-gamut phone photos), PNG and GIF
transparency, every frame of an animation with its timing and loop count, and the quality: a
JPEG is written with its own quantisation tables and subsampling, a lossless WebP stays lossless,
PNG and GIF are lossless by nature.
"""

import io
from collections.abc import Iterator
from contextlib import contextmanager

from PIL import Image, ImageOps, ImageSequence, JpegImagePlugin, UnidentifiedImageError

# Pillow raises all of these for truncated or malformed files that pass the header check.
DECODE_ERRORS = (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError, EOFError)
# A lossy WebP's original quality is not recorded in the file; this keeps photos close to it.
WEBP_QUALITY = 90


class NotAnImage(Exception):
    """Pillow cannot decode the upload as one of the formats asked for."""


class TooManyPixels(Exception):
    def __init__(self, width: int, height: int, frames: int):
        super().__init__(f"{width}×{height} pixels, {frames} frame(s)")
        self.width, self.height, self.frames = width, height, frames


@contextmanager
def opened(upload, *, formats, max_pixels: int, count_frames: bool = False) -> Iterator[Image.Image]:
    """The upload opened by Pillow as one of `formats`, after checking that it holds at most
    `max_pixels` (in all its frames together when `count_frames`: a long animation is decoded
    frame after frame into memory). Decoding errors inside the block also become NotAnImage."""
    formats = sorted(formats)
    upload.seek(0)
    try:
        with Image.open(upload, formats=formats) as image:
            if _format_of(image) not in formats:
                raise NotAnImage
            width, height = image.size
            frames = getattr(image, "n_frames", 1) if count_frames and image.format != "MPO" else 1
            if width * height * frames > max_pixels:
                raise TooManyPixels(width, height, frames)
            yield image
    except DECODE_ERRORS as error:
        raise NotAnImage from error
    finally:
        upload.seek(0)


def _format_of(image: Image.Image) -> str:
    # Phones write JPEGs with a second picture (a depth or HDR gain map) after the photo; Pillow
    # calls them MPO. They are JPEG files: the photo is the first picture.
    return "JPEG" if image.format == "MPO" else image.format


def without_metadata(image: Image.Image, *, source) -> bytes:
    """`image` (from `opened`; `source` is the file it was opened from) re-encoded in its own
    format with nothing but its pixels, colour profile, transparency and animation timing."""
    image_format = _format_of(image)
    icc_profile = image.info.get("icc_profile")
    frames, durations = [], []
    # Of an MPO, the photo only: the other pictures are maps of the scene, not frames.
    pictures = [image] if image.format == "MPO" else ImageSequence.Iterator(image)
    for frame in pictures:
        durations.append(frame.info.get("duration", 0))
        upright = ImageOps.exif_transpose(frame)  # a copy, its orientation applied
        # Only what decoding the pixels needs; every other key of `info` (exif, xmp, comment,
        # PNG text, ...) could be written back by the encoder.
        upright.info = {key: frame.info[key] for key in ("transparency",) if key in frame.info}
        frames.append(upright)
    options = {"icc_profile": icc_profile} if icc_profile else {}
    if len(frames) > 1:
        options.update(save_all=True, append_images=frames[1:], duration=durations)
        if "loop" in image.info:  # absent: the animation plays once, as it did
            options["loop"] = image.info["loop"]
    options.update(_quality_options(image, source))
    output = io.BytesIO()
    frames[0].save(output, format=image_format, **options)
    return output.getvalue()


# JPEG application segments that describe how to decode the pixels, not the picture.
JPEG_DECODING_SEGMENTS = (("APP0", b"JFIF"), ("APP2", b"ICC_PROFILE"), ("APP14", b"Adobe"))


def carries_metadata(image: Image.Image) -> bool:
    """Whether `image` (from `opened`) holds anything `without_metadata` would leave behind:
    so cleaning files stored earlier can skip those already clean, and a second run changes
    nothing (re-encoding a JPEG again would cost a little quality each time)."""
    if image.format == "MPO" or {"exif", "xmp", "comment", "photoshop", "extension"} & set(image.info):
        return True
    if image.format == "JPEG":
        return any(
            not any(marker == kind and data.startswith(prefix) for kind, prefix in JPEG_DECODING_SEGMENTS)
            for marker, data in image.applist
        )
    return bool(getattr(image, "text", None))  # PNG text chunks


def _quality_options(image: Image.Image, source) -> dict:
    if _format_of(image) == "JPEG":
        return {
            # The file's own quantisation tables: the new JPEG is as fine as the old one.
            "qtables": image.quantization,
            "subsampling": JpegImagePlugin.get_sampling(image),
            "progressive": "progressive" in image.info or "progression" in image.info,
            "optimize": True,
        }
    if image.format == "WEBP":
        return {"lossless": True, "exact": True} if _webp_is_lossless(source) else {"quality": WEBP_QUALITY}
    return {}


def _webp_is_lossless(source) -> bool:
    """Whether a WebP file's first image is coded losslessly (a VP8L chunk of the RIFF
    container), so a screenshot or a diagram is not re-encoded with artefacts. Reads chunk
    headers only, skipping their contents."""
    source.seek(12)  # "RIFF", the file size, "WEBP"
    try:
        while len(header := source.read(8)) == 8:
            kind, size = header[:4], int.from_bytes(header[4:], "little")
            if kind in (b"VP8 ", b"VP8L"):
                return kind == b"VP8L"
            if kind == b"ANMF":  # an animation frame: its image chunk follows a 16-byte header
                source.seek(16, io.SEEK_CUR)
            else:
                source.seek(size + (size & 1), io.SEEK_CUR)
        return False
    finally:
        source.seek(0)

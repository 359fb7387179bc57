"""Accepting uploads whose file name is very long, by shortening the name as it arrives.

Django's multipart parser refuses a part whose headers pass 1,024 bytes
(django.http.multipartparser.MAX_TOTAL_HEADER_SIZE, a guard against slow header parsing): it
raises MultiPartParserError while the CSRF middleware first reads request.POST, before any view
or form runs, so a file named with a thousand characters got the bare "Bad Request (400)" page
and everything typed in the form was lost. The name is only display text here (stored files
get random names, cop_platform.upload_checks.display_name_of trims it to 150 characters), so the
middleware below shortens any `filename` parameter longer than MAX_NAME_BYTES, keeping its
extension, before the parser reads the part headers. Django's own limit stays as it is: a
header block still too long after that (or with no end within HEADER_SCAN_LIMIT) passes through
unchanged and is refused as before.
"""

import os
import re
from urllib.parse import quote, unquote

from django.utils.http import parse_header_parameters

# Django keeps at most 255 characters of a name (UploadedFile._set_name); 200 bytes of UTF-8
# leaves the part's other headers ample room under the parser's 1,024 bytes.
MAX_NAME_BYTES = 200
# Longer than this and it is not a file extension but part of the name.
MAX_EXTENSION_CHARS = 16
# How far to look for the end of a part's headers before leaving the rest to Django's parser.
HEADER_SCAN_LIMIT = 64 * 1024
READ_CHUNK = 64 * 1024

_FILENAME = re.compile(rb'(;\s*filename(\*?)\s*=\s*)("(?:[^"\\]|\\.)*"|[^;\r\n]*)', re.IGNORECASE)


def shortened_name(name: str, *, max_bytes: int = MAX_NAME_BYTES) -> str:
    """`name` cut to at most `max_bytes` of UTF-8 on a character boundary, its extension kept."""
    if len(name.encode()) <= max_bytes:
        return name
    stem, extension = os.path.splitext(name)
    if len(extension) > MAX_EXTENSION_CHARS:
        stem, extension = name, ""
    room = max_bytes - len(extension.encode())
    return stem.encode()[:room].decode(errors="ignore") + extension


def _shorten_parameter(match: re.Match) -> bytes:
    prefix, extended, value = match.group(1), match.group(2), match.group(3)
    if len(value) <= MAX_NAME_BYTES:
        return match.group(0)
    if extended:  # RFC 5987: charset'language'percent-encoded
        charset, _, rest = value.decode("ascii", errors="replace").partition("'")
        language, _, encoded = rest.partition("'")
        charset = charset or "utf-8"
        name = shortened_name(unquote(encoded, encoding=charset), max_bytes=MAX_NAME_BYTES // 3)
        return prefix + f"{charset}'{language}'{quote(name, safe='', encoding=charset)}".encode("ascii")
    quoted = value.startswith(b'"') and value.endswith(b'"') and len(value) > 1
    text = value[1:-1] if quoted else value
    name = re.sub(r"\\(.)", r"\1", text.decode()) if quoted else text.decode()
    name = shortened_name(name)
    return prefix + b'"' + name.replace("\\", "\\\\").replace('"', '\\"').encode() + b'"'


def shorten_part_headers(block: bytes) -> bytes:
    """One part's header block with each over-long `filename` parameter shortened."""
    try:
        return _FILENAME.sub(_shorten_parameter, block)
    except UnicodeDecodeError:  # not UTF-8: Django's parser decides what to make of it
        return block


class ShortenedNameStream:
    """A multipart request body, read through, with over-long file names in part headers
    shortened. Only part headers change; file contents pass through byte for byte. Reads what
    the wrapped stream gives, a chunk at a time, keeping back only the bytes that might begin a
    boundary and, after a boundary, one part's headers until their blank line."""

    def __init__(self, stream, boundary: bytes):
        self._stream = stream
        self._delimiter = b"\r\n--" + boundary
        # The body's first boundary has no CRLF before it: pretend it had, and drop it again.
        self._buffer = b"\r\n"
        self._skip = 2
        self._ready = bytearray()
        self._in_headers = False
        self._passthrough = False
        self._eof = False

    def read(self, size=-1):
        while not self._eof and (size is None or size < 0 or len(self._ready) < size):
            self._fill()
        if size is None or size < 0:
            size = len(self._ready)
        out = bytes(self._ready[:size])
        del self._ready[:size]
        return out

    def readline(self, size=-1):  # HttpRequest.readline passes through to here
        line = bytearray()
        while size is None or size < 0 or len(line) < size:
            char = self.read(1)
            line += char
            if not char or char == b"\n":
                break
        return bytes(line)

    def _emit(self, data: bytes) -> None:
        if self._skip:
            dropped = min(self._skip, len(data))
            data, self._skip = data[dropped:], self._skip - dropped
        self._ready += data

    def _fill(self) -> None:
        chunk = self._stream.read(READ_CHUNK)
        if not chunk:
            self._eof = True
            self._emit(self._buffer)
            self._buffer = b""
            return
        self._buffer += chunk
        self._process()

    def _process(self) -> None:
        while self._buffer:
            if self._passthrough:
                self._emit(self._buffer)
                self._buffer = b""
            elif self._in_headers:
                end = self._buffer.find(b"\r\n\r\n")
                if end == -1:
                    # No end in sight: not a name to fix, so leave the refusal to Django.
                    self._passthrough = len(self._buffer) > HEADER_SCAN_LIMIT
                    if not self._passthrough:
                        return
                    continue
                self._emit(shorten_part_headers(self._buffer[:end]) + b"\r\n\r\n")
                self._buffer = self._buffer[end + 4 :]
                self._in_headers = False
            else:
                found = self._buffer.find(self._delimiter)
                if found == -1:
                    keep = len(self._delimiter) - 1  # the start of a boundary split between chunks
                    if len(self._buffer) > keep:
                        self._emit(self._buffer[:-keep])
                        self._buffer = self._buffer[-keep:]
                    return
                cut = found + len(self._delimiter)
                self._emit(self._buffer[:cut])
                self._buffer = self._buffer[cut:]
                self._in_headers = True


class LongUploadNameMiddleware:
    """Wraps a multipart request's body in ShortenedNameStream. Must come before anything that
    reads request.POST or request.FILES (the CSRF middleware does)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            content_type, params = parse_header_parameters(request.META.get("CONTENT_TYPE", ""))
        except ValueError:  # a malformed header: Django's parser refuses it itself
            return self.get_response(request)
        boundary = params.get("boundary", "")
        if content_type == "multipart/form-data" and boundary and not getattr(request, "_read_started", False):
            try:
                boundary_bytes = boundary.encode("ascii")
            except UnicodeEncodeError:
                boundary_bytes = b""  # Django's parser refuses it itself
            if boundary_bytes:
                # HttpRequest reads its body from `_stream` (django.core.handlers.wsgi.WSGIRequest
                # sets it); there is no public way to put a filter in front of the parser.
                request._stream = ShortenedNameStream(request._stream, boundary_bytes)
        return self.get_response(request)

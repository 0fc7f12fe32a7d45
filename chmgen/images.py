"""Read the pixel size of a picture from its header (PNG, GIF, JPEG, WebP, SVG)."""

from __future__ import annotations

import re
import struct
from pathlib import Path

IMAGE_SUFFIXES = (".png", ".gif", ".jpg", ".jpeg", ".webp", ".svg")


def image_size(path: Path) -> tuple[int, int] | None:
    """Width and height in pixels, or None when the file is not a picture we can read."""
    try:
        head = path.read_bytes()[:65536] if path.suffix.lower() != ".svg" else b""
    except OSError:
        return None
    suffix = path.suffix.lower()
    if suffix == ".svg":
        return _svg_size(path)
    if head.startswith(b"\x89PNG\r\n\x1a\n") and len(head) >= 24:
        return struct.unpack(">II", head[16:24])
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return struct.unpack("<HH", head[6:10])
    if head.startswith(b"\xff\xd8"):
        return _jpeg_size(head)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return _webp_size(head)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    index = 2
    while index + 9 < len(data):
        if data[index] != 0xFF:
            index += 1
            continue
        marker = data[index + 1]
        length = struct.unpack(">H", data[index + 2:index + 4])[0]
        # SOF0..SOF15 carry the frame size, except DHT (C4), JPG (C8) and DAC (CC)
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[index + 5:index + 9])
            return width, height
        index += 2 + length
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(data) >= 30:
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    return None


def _svg_size(path: Path) -> tuple[int, int] | None:
    try:
        text = path.read_text("utf-8", "replace")[:4096]
    except OSError:
        return None
    tag = re.search(r"<svg\b[^>]*>", text, re.S)
    if not tag:
        return None
    attrs = dict(re.findall(r'([\w:-]+)\s*=\s*["\']([^"\']*)["\']', tag.group(0)))
    width, height = _length(attrs.get("width")), _length(attrs.get("height"))
    if width and height:
        return width, height
    box = attrs.get("viewBox", "").replace(",", " ").split()
    if len(box) == 4:
        try:
            return round(float(box[2])), round(float(box[3]))
        except ValueError:
            return None
    return None


def _length(value: str | None) -> int | None:
    match = re.fullmatch(r"\s*([\d.]+)\s*(px)?\s*", value or "")
    return round(float(match.group(1))) if match else None

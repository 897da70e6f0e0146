"""What staff see of a message: never a link that works without signing in."""

import re
from urllib.parse import urlsplit

from . import registry

PERSONAL_LINK = "[personal link]"

_URL = re.compile(r"https?://[^\s<>\"']+")
# A path segment that looks like a signed token or a random secret: long, with no spaces. Any app's token
# link is caught by this even if the app forgot to register its pattern.
_TOKEN_SEGMENT = re.compile(r"[A-Za-z0-9_\-:.=]{24,}")


def is_personal_link(url: str) -> bool:
    path = urlsplit(url).path
    if any(p.search(path) for p in registry.personal_link_patterns()):
        return True
    return any(_TOKEN_SEGMENT.fullmatch(segment) for segment in path.split("/") if segment)


def redact_personal_links(text: str) -> str:
    """`text` with each personal link replaced by "[personal link]"."""
    return _URL.sub(lambda m: PERSONAL_LINK if is_personal_link(m.group(0)) else m.group(0), text or "")

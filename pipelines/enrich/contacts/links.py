"""Links: messenger and social profile links get their own kind, everything else is ``url``.

- telegram (value ``<u>``): ``t.me/<u>``, ``telegram.me/<u>``, ``telegram.dog/<u>``,
  ``t.me/s/<u>``, ``t.me/<u>/<post>``, ``<u>.t.me``, ``tg://resolve?domain=<u>``;
- whatsapp (E.164, and a ``phone`` for the digits): ``wa.me/<digits>``,
  ``api.whatsapp.com/send?phone=<digits>``;
- line (``<id>``): ``line.me/ti/p/~<id>``, ``line.me/R/ti/p/@<id>``, ``line.me/R/oaMessage/@<id>``;
- signal (E.164, and a ``phone``): ``signal.me/#p/+<digits>``;
- facebook (``<u>``, ``<n>`` or ``groups/<g>``): ``facebook.com/<u>`` (also ``m.``, ``web.``,
  ``fb.com``, ``fb.me``, Messenger ``m.me/<u>``), ``…/profile.php?id=<n>``,
  ``…/people/<name>/<n>``, ``…/groups/<g>``;
- instagram (``<u>``): ``instagram.com/<u>``, ``instagr.am/<u>``, ``instagram.com/stories/<u>/…``;
- tiktok (``<u>``): ``tiktok.com/@<u>``;
- url: anything else (invite links, posts, short links, sites), scheme and host lower case.

Handles are lower case. A link without ``http(s)://`` counts when it starts with ``www.``, is
one of the hosts above, has a generic TLD in lower case (``jobs-asia.com``), or has a country
TLD and a path or three labels (``recruit.co.th``, ``abc.kh/jobs``); this keeps ``Node.js``,
``ASP.NET``, ``e.g.`` and ``cv.pdf`` out. Trailing punctuation and unbalanced closing brackets
are not part of a link.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote

from pipelines.enrich.contacts.hits import Hit
from pipelines.enrich.contacts.phones import international
from pipelines.enrich.contacts.tlds import GENERIC_TLDS, is_country_tld, is_known_tld

MAX_URL = 2000

_URL_RE = re.compile(
    r"(?<![A-Za-z0-9@._%+\-/])"
    r"(?:(?P<scheme>https?|hxxps?)://)?"
    r"(?P<host>(?:[A-Za-z0-9\-]{1,63}+\.){1,8}[A-Za-z]{2,24})"
    r"(?P<port>:\d{2,5})?"
    rf"(?:(?P<path>[/?#][A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]{{0,{MAX_URL}}})|(?![A-Za-z0-9\-]))",
    re.IGNORECASE,
)
_TG_SCHEME_RE = re.compile(r"tg://resolve\?domain=(?P<user>[A-Za-z0-9_]{4,32})(?![A-Za-z0-9_])", re.IGNORECASE)

TELEGRAM_HOSTS = frozenset({"t.me", "telegram.me", "telegram.dog"})
TELEGRAM_RESERVED = frozenset({
    "joinchat", "addstickers", "addemoji", "addtheme", "addlist", "share", "proxy", "socks",
    "setlanguage", "login", "confirmphone", "invoice", "boost", "giftcode", "contact", "bg", "iv",
    "c", "m", "a", "k", "z", "s", "nft", "bot", "web",
})
WHATSAPP_SEND_HOSTS = frozenset({"api.whatsapp.com", "whatsapp.com", "web.whatsapp.com"})
FACEBOOK_HOSTS = frozenset({"facebook.com", "fb.com", "fb.me", "m.me"})
FACEBOOK_RESERVED = frozenset({
    "sharer", "sharer.php", "share", "share.php", "watch", "events", "photo", "photo.php", "photos",
    "story.php", "permalink.php", "login", "login.php", "help", "policies", "policy.php", "hashtag",
    "marketplace", "reel", "reels", "stories", "gaming", "ads", "business", "home.php", "messages",
    "notifications", "search", "privacy", "legal", "about", "dialog", "plugins", "video.php",
    "l.php", "pages", "people", "groups", "media", "posts", "tr", "recover", "signup", "r.php",
})
INSTAGRAM_HOSTS = frozenset({"instagram.com", "instagr.am"})
INSTAGRAM_RESERVED = frozenset({
    "p", "reel", "reels", "tv", "stories", "explore", "accounts", "direct", "about", "developer",
    "legal", "web", "challenge", "privacy", "s",
})
PLATFORM_HOSTS = (
    TELEGRAM_HOSTS | WHATSAPP_SEND_HOSTS | FACEBOOK_HOSTS | INSTAGRAM_HOSTS
    | {"wa.me", "chat.whatsapp.com", "line.me", "lin.ee", "signal.me", "signal.group", "tiktok.com",
       "vm.tiktok.com", "vt.tiktok.com", "zalo.me", "bit.ly", "t.co", "youtu.be", "youtube.com"}
)
_HOST_PREFIXES = ("www.", "m.", "mobile.", "web.", "mbasic.", "touch.", "business.")

_TELEGRAM_USER = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")
_LINE_ID_RE = re.compile(r"/(?:r/)?(?:ti/p|oamessage)/(?P<mark>~|@|%40)?(?P<id>[A-Za-z0-9._\-]{2,40})",
                         re.IGNORECASE)
_SIGNAL_RE = re.compile(r"#p/(?P<phone>\+?\d{7,17})")
_FACEBOOK_USER = re.compile(r"[A-Za-z0-9.]{3,50}")
_INSTAGRAM_USER = re.compile(r"[A-Za-z0-9._]{1,30}")
_TIKTOK_USER = re.compile(r"@(?P<user>[A-Za-z0-9._]{2,24})")
_TRAILING = ".,;:!?'\"*"


def _trim(url: str) -> str:
    """``url`` without trailing punctuation or unbalanced closing brackets."""
    while url:
        last = url[-1]
        pairs = {")": "(", "]": "["}
        unbalanced = last in pairs and url.count(pairs[last]) < url.count(last)
        if last in _TRAILING or unbalanced:
            url = url[:-1]
        else:
            break
    return url


def _platform(host: str) -> str:
    """``host`` without ``www.``/``m.``/… when what remains is a known platform host."""
    if host in PLATFORM_HOSTS:
        return host
    for prefix in _HOST_PREFIXES:
        if host.startswith(prefix) and host[len(prefix):] in PLATFORM_HOSTS:
            return host[len(prefix):]
    return host


def _accept(host: str, scheme: str | None, path: str, after: str) -> bool:
    """Whether a matched host is a link and not a word with a dot in it."""
    tld = host.rsplit(".", 1)[-1]
    lowered = host.lower()
    if scheme:
        return True
    if _platform(lowered) in PLATFORM_HOSTS or lowered.endswith(".t.me"):
        return True
    if lowered.startswith("www."):
        return is_known_tld(tld)
    if tld != tld.lower() or after == "@":
        return False
    if tld in GENERIC_TLDS:
        return True
    return is_country_tld(tld) and (bool(path.strip("/")) or host.count(".") >= 2)


def find_links(text: str) -> list[Hit]:
    """Links in ``text``, classified (see the module docstring)."""
    hits: list[Hit] = []
    for match in _TG_SCHEME_RE.finditer(text):
        hits.append(Hit("telegram", match.group("user").lower(), match.start(), match.end()))
    for match in _URL_RE.finditer(text):
        scheme, host, path = match.group("scheme"), match.group("host"), match.group("path") or ""
        if not _accept(host, scheme, path, text[match.end(): match.end() + 1]):
            continue
        written = _trim(match.group())
        start, end = match.start(), match.start() + len(written)
        path = written[match.start("path") - start:] if path and end > match.start("path") else ""
        hits.extend(_classify(written, start, end, host.lower(), path))
    return hits


def _classify(written: str, start: int, end: int, host: str, path: str) -> list[Hit]:
    platform = _platform(host)
    segments = [part for part in re.split(r"[?#]", path, maxsplit=1)[0].split("/") if part]
    if platform in TELEGRAM_HOSTS or host.endswith(".t.me"):
        user = _telegram_user(host, segments)
        if user:
            return [Hit("telegram", user, start, end)]
    elif platform == "wa.me" and segments and segments[0].isdigit():
        return _with_phone("whatsapp", segments[0], written, start, end)
    elif platform in WHATSAPP_SEND_HOSTS and segments[:1] == ["send"]:
        phone = parse_qs(path.partition("?")[2]).get("phone", [""])[0]
        if phone.lstrip("+").isdigit():
            return _with_phone("whatsapp", phone, written, start, end)
    elif platform == "line.me":
        line = _LINE_ID_RE.match(path)
        if line and not line.group("id").lower().startswith(("g/", "g2/")):
            ident = line.group("id")
            return [Hit("line", ident.lower() if line.group("mark") else ident, start, end)]
    elif platform == "signal.me":
        signal = _SIGNAL_RE.search(path)
        if signal:
            return _with_phone("signal", signal.group("phone"), written, start, end)
    elif platform in FACEBOOK_HOSTS:
        user = _facebook_user(platform, segments, path)
        if user:
            return [Hit("facebook", user, start, end)]
    elif platform in INSTAGRAM_HOSTS:
        user = _instagram_user(segments)
        if user:
            return [Hit("instagram", user, start, end)]
    elif platform == "tiktok.com" and segments:
        tiktok = _TIKTOK_USER.fullmatch(segments[0])
        if tiktok and tiktok.group("user").strip("."):
            return [Hit("tiktok", tiktok.group("user").lower().rstrip("."), start, end)]
    return [Hit("url", _normalise_url(written), start, end)]


def _normalise_url(written: str) -> str:
    scheme, sep, rest = written.partition("://")
    if not sep:
        scheme, rest = "", written
    scheme = {"hxxp": "http", "hxxps": "https"}.get(scheme.lower(), scheme.lower())
    host_end = len(rest)
    for mark in "/?#":
        index = rest.find(mark)
        if index != -1:
            host_end = min(host_end, index)
    return (scheme + "://" if scheme else "") + rest[:host_end].lower() + rest[host_end:]


def _with_phone(kind: str, digits: str, written: str, start: int, end: int) -> list[Hit]:
    value = international(digits)
    if value is None:
        return [Hit("url", _normalise_url(written), start, end)]
    bare = digits.lstrip("+")
    offset = written.rfind(bare)
    if digits.startswith("+") and offset > 0 and written[offset - 1] == "+":
        offset -= 1
    phone = Hit("phone", value, start + offset, start + offset + len(digits))
    return [Hit(kind, value, start, end), phone]


def _telegram_user(host: str, segments: list[str]) -> str | None:
    if host.endswith(".t.me") and host not in TELEGRAM_HOSTS:
        user = host[: -len(".t.me")]
        if user.startswith("www."):
            user = user[4:]
        return user if _TELEGRAM_USER.fullmatch(user) and user not in TELEGRAM_RESERVED else None
    if segments and segments[0].lower() == "s":
        segments = segments[1:]
    if not segments:
        return None
    first = segments[0]
    if first.startswith("+") or first.lower() in TELEGRAM_RESERVED or not _TELEGRAM_USER.fullmatch(first):
        return None
    return first.lower()


def _facebook_user(platform: str, segments: list[str], path: str) -> str | None:
    if not segments:
        return None
    first = segments[0].lower()
    if first == "profile.php":
        ident = parse_qs(path.partition("?")[2]).get("id", [""])[0]
        return ident if ident.isdigit() else None
    if first in ("people", "pages") and len(segments) >= 3 and segments[-1].isdigit():
        return segments[-1]
    if first == "groups" and len(segments) >= 2:
        return "groups/" + unquote(segments[1]).lower()
    if first in FACEBOOK_RESERVED or not _FACEBOOK_USER.fullmatch(segments[0]):
        return None
    if platform == "fb.me" and first in ("e", "d"):
        return None
    return first.strip(".") or None


def _instagram_user(segments: list[str]) -> str | None:
    if not segments:
        return None
    first = segments[0].lower()
    if first == "stories" and len(segments) >= 2:
        first = segments[1].lower()
        if first in INSTAGRAM_RESERVED:
            return None
    elif first in INSTAGRAM_RESERVED:
        return None
    if not _INSTAGRAM_USER.fullmatch(first) or ".." in first or first.startswith("."):
        return None
    return first.rstrip(".") or None

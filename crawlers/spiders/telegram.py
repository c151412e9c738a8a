"""Public Telegram channels through their web preview, ``https://t.me/s/<channel>``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar
from urllib.parse import quote

from crawlers.spiders.base import SourceSpider, host_of

PREVIEW = "https://t.me/s/"


class TelegramSpider(SourceSpider):
    """Starts at the channel preview (``url``, else ``t.me/s/<channel>``); older pages via ``?before=``."""

    name = "telegram"
    kind: ClassVar[str] = "telegram"

    def start_urls_of_source(self) -> Sequence[str]:
        return [self.source.url or PREVIEW + quote(str(self.source.channel).lstrip("@"))]

    def domains(self) -> list[str]:
        if self.source.allowed_domains:
            return list(self.source.allowed_domains)
        return [host_of(self.source.url) or "t.me"]

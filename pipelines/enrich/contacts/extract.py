"""``extract_contacts``: every extractor over one text, offsets mapped back to the original."""

from __future__ import annotations

from typing import cast

from pipelines.enrich.contacts.emails import find_emails
from pipelines.enrich.contacts.handles import find_handles
from pipelines.enrich.contacts.hits import Hit
from pipelines.enrich.contacts.links import find_links
from pipelines.enrich.contacts.normalise import fold, mask
from pipelines.enrich.contacts.phones import find_phones
from pipelines.enrich.contacts.regions import region_hints
from pipelines.enrich.contacts.wallets import find_wallets
from tipwatch.contract import Contact
from tipwatch.contract.models import ContactKind


def extract_contacts(text: str, *, country: str | None = None, language: str | None = None) -> list[Contact]:
    """Contact identifiers in ``text``, sorted by ``start``, each kind+value+span once.

    ``country`` (ISO 3166-1 alpha-2, the source's hint) and ``language`` (ISO 639-1) tell which
    region national-format phone numbers belong to; offsets are into ``text`` and
    ``raw == text[start:end]``.

    Order matters: wallets and e-mails are found first, links next (with e-mails hidden), then
    phones and cue-announced handles in the text with all of those hidden, so a digit run
    inside a link, an address or a wallet is never read as a phone number. A bare domain
    (``kaew.work``: no scheme, ``www.`` or path) gives way to a handle read at the same place
    (``ไลน์ไอดี: kaew.work`` is a LINE ID).
    """
    view = fold(text)
    folded = view.text
    hits: list[Hit] = find_wallets(folded)
    emails = find_emails(folded)
    hits.extend(emails)
    links = find_links(mask(folded, ((hit.start, hit.end) for hit in emails)))
    bare = [hit for hit in links if _bare_domain(hit)]
    hits.extend(hit for hit in links if not _bare_domain(hit))
    rest = mask(folded, ((hit.start, hit.end) for hit in hits))
    phones = find_phones(rest, region_hints(country, language))
    hits.extend(phones)
    handles = find_handles(rest, phones)
    hits.extend(handles)
    hits.extend(hit for hit in bare if not any(h.start < hit.end and hit.start < h.end for h in handles))
    contacts: dict[tuple[str, str, int, int], Contact] = {}
    for hit in hits:
        start, end = view.span(hit.start, hit.end)
        key = (hit.kind, hit.value, start, end)
        if key not in contacts and end > start:
            kind = cast(ContactKind, hit.kind)  # Contact validates it against the contract's kinds
            contacts[key] = Contact(kind=kind, value=hit.value, raw=text[start:end], start=start, end=end)
    return [contacts[key] for key in sorted(contacts, key=lambda key: (key[2], key[3], key[0], key[1]))]


def _bare_domain(hit: Hit) -> bool:
    """A ``url`` written as just ``name.tld``."""
    return hit.kind == "url" and "/" not in hit.value and not hit.value.startswith("www.")

"""Contact identifier extraction for the enrichment stage (``contacts`` of ``tipwatch.post/1``).

Public API::

    extract_contacts(text, *, country=None, language=None) -> list[Contact]

Modules (one component each): ``normalise`` (views with an offset map), ``digits`` (the phone
digit view), ``regions`` (region hints), ``phones``, ``emails``, ``links``, ``handles`` (cue
lexicon in ``cues.yaml``, compiled by ``cues``), ``wallets`` (with ``base58`` and ``bech32``).
See docs/enrichment/contacts.md.
"""

from pipelines.enrich.contacts.extract import extract_contacts

__all__ = ["extract_contacts"]

"""The one record contract, ``tipwatch.post/1``: models, ids, times and the JSON Schema.

Public API::

    RawPost, EnrichedPost          typed, frozen records (pydantic v2)
    parse_raw, parse_enriched      bytes/str/dict -> record, raising ContractError
    post_id, canonical_url         stable ids
    utc_now, format_time           RFC 3339 UTC helpers
"""

from tipwatch.contract.errors import ContractError
from tipwatch.contract.ids import canonical_url, post_id
from tipwatch.contract.models import (
    SCHEMA,
    Author,
    Contact,
    Crawl,
    EnrichedPost,
    Evidence,
    Indicator,
    Language,
    Media,
    NearDuplicate,
    RawPost,
    Risk,
    Screenshot,
    Source,
)
from tipwatch.contract.parse import parse_enriched, parse_raw
from tipwatch.contract.times import format_time, parse_time, utc_now

__all__ = [
    "SCHEMA",
    "Author",
    "Contact",
    "ContractError",
    "Crawl",
    "EnrichedPost",
    "Evidence",
    "Indicator",
    "Language",
    "Media",
    "NearDuplicate",
    "RawPost",
    "Risk",
    "Screenshot",
    "Source",
    "canonical_url",
    "format_time",
    "parse_enriched",
    "parse_raw",
    "parse_time",
    "post_id",
    "utc_now",
]

"""Risk scoring: matched indicators and contacts -> ``risk.score`` (0..1) and ``risk.level``.

The numbers are data (``config/indicators/risk.yaml``); the method is fixed and explainable:

1. each category scores the sum of its matched indicators' weights, capped at the category's
   ``cap`` (one category alone, however many words match, cannot make a post high risk);
2. the base score is the sum of the category scores;
3. ``contacts.messaging_only`` is added when the post has indicators and every contact is a
   messaging handle (Telegram, WhatsApp…): no company address, e-mail or web site;
4. each combination ``rule`` whose categories all reach their minimum lifts the score to at
   least the rule's ``floor`` (e.g. destination + job bait + too-good promise => high);
5. the score is clipped to 0..1 and mapped to a level with ``levels.medium`` / ``levels.high``.

``score_breakdown`` returns every intermediate number, so an analyst can see why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from pipelines.enrich.indicator_schema import CATEGORIES, Category
from tipwatch.config import load_yaml, validate
from tipwatch.contract import Contact, Indicator, Risk
from tipwatch.contract.models import ContactKind, RiskLevel

Fraction = Annotated[float, Field(ge=0, le=1, strict=True)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Levels(_Strict):
    """Score thresholds: ``score >= medium`` is medium, ``score >= high`` is high."""

    medium: Annotated[float, Field(gt=0, lt=1, strict=True)]
    high: Annotated[float, Field(gt=0, le=1, strict=True)]

    @model_validator(mode="after")
    def _ordered(self) -> Levels:
        if self.medium >= self.high:
            raise ValueError("levels.medium must be below levels.high")
        return self


class CategorySettings(_Strict):
    """How much one category can add to the score."""

    cap: Fraction


class Rule(_Strict):
    """A combination of categories that lifts the score to at least ``floor``."""

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    description: Annotated[str, Field(min_length=1)]
    require: Annotated[dict[Category, Annotated[float, Field(gt=0, le=1, strict=True)]], Field(min_length=2)]
    """Category -> minimum category score (after its cap) for the rule to fire."""
    floor: Fraction


class ContactSettings(_Strict):
    """Extra weight from how the advert asks to be contacted."""

    messaging_kinds: Annotated[list[ContactKind], Field(min_length=1)]
    messaging_only: Fraction
    """Added when the post has indicators and every contact found is one of ``messaging_kinds``."""


class RiskFile(_Strict):
    """``risk.yaml``."""

    levels: Levels
    categories: dict[Category, CategorySettings]
    rules: list[Rule] = Field(default_factory=list)
    contacts: ContactSettings

    @field_validator("categories")
    @classmethod
    def _every_category(cls, categories: dict[str, CategorySettings]) -> dict[str, CategorySettings]:
        missing = [name for name in CATEGORIES if name not in categories]
        if missing:
            raise ValueError(f"categories without a cap: {', '.join(missing)}")
        return categories

    @field_validator("rules")
    @classmethod
    def _can_fire(cls, rules: list[Rule], info: ValidationInfo) -> list[Rule]:
        categories = info.data.get("categories", {})
        for rule in rules:
            for category, minimum in rule.require.items():
                if category in categories and minimum > categories[category].cap:
                    raise ValueError(f"rule {rule.id!r} can never fire: {category} needs {minimum} "
                                     f"but is capped at {categories[category].cap}")
        ids = [rule.id for rule in rules]
        if len(set(ids)) != len(ids):
            raise ValueError("rule ids must be unique")
        return rules


@dataclass(frozen=True)
class RiskConfig:
    """The risk settings plus each indicator's weight (from the lexicon)."""

    settings: RiskFile
    weights: Mapping[str, float]


@dataclass(frozen=True)
class RiskBreakdown:
    """Every number behind a risk score."""

    categories: Mapping[str, float]
    base: float
    contact_bonus: float
    rules: tuple[str, ...]
    score: float
    level: RiskLevel
    contributions: Mapping[str, float] = field(default_factory=dict)

    def risk(self) -> Risk:
        """The ``risk`` field of the enriched record."""
        return Risk(score=self.score, level=self.level)


def load_risk_config(path: Path, weights: Mapping[str, float]) -> RiskConfig:
    """Read and validate ``risk.yaml``; ``weights`` maps indicator id -> weight (``Lexicon.weights``)."""
    settings = validate(RiskFile, load_yaml(path))
    return RiskConfig(settings=settings, weights=MappingProxyType(dict(weights)))


def _level(score: float, levels: Levels) -> RiskLevel:
    if score >= levels.high:
        return "high"
    if score >= levels.medium:
        return "medium"
    return "low"


def score_breakdown(indicators: Sequence[Indicator], contacts: Sequence[Contact],
                    config: RiskConfig) -> RiskBreakdown:
    """The risk of a post with every intermediate number; raises ValueError for unknown indicators."""
    settings = config.settings
    caps = {name: category.cap for name, category in settings.categories.items()}
    sums: dict[str, float] = {}
    contributions: dict[str, float] = {}
    for indicator in indicators:
        if indicator.id not in config.weights:
            raise ValueError(f"indicator {indicator.id!r} is not in the lexicon")
        if indicator.category not in caps:
            raise ValueError(f"indicator {indicator.id!r} has unknown category {indicator.category!r}")
        weight = config.weights[indicator.id]
        contributions[indicator.id] = weight
        sums[indicator.category] = sums.get(indicator.category, 0.0) + weight
    categories = {name: round(min(total, caps[name]), 6) for name, total in sums.items()}
    base = sum(categories.values())
    kinds = {contact.kind for contact in contacts}
    messaging_only = bool(kinds) and kinds <= set(settings.contacts.messaging_kinds)
    bonus = settings.contacts.messaging_only if (messaging_only and indicators) else 0.0
    fired = tuple(
        rule.id for rule in settings.rules
        if all(categories.get(name, 0.0) >= minimum for name, minimum in rule.require.items())
    )
    floors = [rule.floor for rule in settings.rules if rule.id in fired]
    score = round(min(1.0, max([base + bonus, *floors])), 4)
    return RiskBreakdown(
        categories=MappingProxyType(categories),
        base=round(base, 4),
        contact_bonus=bonus,
        rules=fired,
        score=score,
        level=_level(score, settings.levels),
        contributions=MappingProxyType(contributions),
    )


def score_risk(indicators: Sequence[Indicator], contacts: Sequence[Contact], config: RiskConfig) -> Risk:
    """``risk.score`` 0..1 and ``risk.level`` for a post's indicators and contacts."""
    return score_breakdown(indicators, contacts, config).risk()

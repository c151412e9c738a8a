"""Rule types, looked up by name (the ``type`` of a rule file). One file per type.

    any          every post matching the query (per post, as it is indexed)
    frequency    >= num_events posts within timeframe, optionally per query_key
    spike        current window >= spike_height x the previous one
    flatline     fewer than threshold posts within timeframe
    new_term     a query_key value seen for the first time
    cardinality  one query_key across >= min_cardinality distinct values of another field
"""

from indexer.alerts.types.any import AnyRule
from indexer.alerts.types.base import ALL_KEY, Evaluation, Match, RuleType, Window
from indexer.alerts.types.cardinality import CardinalityRule
from indexer.alerts.types.flatline import FlatlineRule
from indexer.alerts.types.frequency import FrequencyRule
from indexer.alerts.types.new_term import NewTermRule
from indexer.alerts.types.spike import SpikeRule

RULE_TYPES: dict[str, RuleType] = {
    rule_type.name: rule_type
    for rule_type in (AnyRule(), FrequencyRule(), SpikeRule(), FlatlineRule(), NewTermRule(), CardinalityRule())
}
"""Rule type name -> the (stateless) rule type."""

__all__ = ["ALL_KEY", "RULE_TYPES", "AnyRule", "Evaluation", "Match", "RuleType", "Window"]

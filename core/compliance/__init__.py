"""合规性检查: rules (the editable rule profile and the judge) → compute (overlay of subjects on the
control lines, exact m²) → ledger (the one place that rounds: every printed figure and its totals) →
report (layout only).

``from core.compliance import …`` gives the rule vocabulary (VERDICT_ZH, ROLE_ZH, RuleProfile, judge,
…) that the other jobs share.
"""
from . import rules as _rules
from .rules import *  # noqa: F401,F403


def __getattr__(name):  # the rule module's other names (private helpers shared with templates)
    return getattr(_rules, name)

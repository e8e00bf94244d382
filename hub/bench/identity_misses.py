"""Where recall is lost: every true match the matcher did not link, by cause.

- ``blocking``: the child's record was never a candidate (no blocking key in common, or its key's
  block full before it);
- ``below lower``: a candidate, but the best score stayed under the lower threshold (a new child);
- ``worklist``: a score between the thresholds (a data admin decides);
- ``rule``: a score at or above the upper threshold, but a rule forbade the link (twins: the first
  names differ, or a multiple birth under another form of the name);
- ``ambiguous``: two children scored above the threshold, close together;
- ``wrong child``: linked, to another child.
"""

from __future__ import annotations

from collections import Counter

from connectors.mde.rows import StudentRow
from hub.domain.identity import IdentityFacts, MatchDecision

CAUSES = ("blocking", "below lower", "worklist", "rule", "ambiguous", "wrong child")


def cause(decision: MatchDecision, truth_was_candidate: bool) -> str:
    """Why a true match was missed, given the decision and whether its child was among the candidates."""
    if not truth_was_candidate:
        return "blocking"
    if decision.msix_id is not None:
        return "wrong child"
    if not decision.near:
        return "below lower"
    why = decision.reasons[0] if decision.reasons else ""
    if "two children" in why:
        return "ambiguous"
    if "differ" in why:
        return "rule"
    return "worklist"


def accepted(facts: IdentityFacts) -> bool:
    """Whether the MDE connector would take this identity: the fields it requires for an insert
    (``StudentRow.REQUIRED``) all present. A missing sex is sent as ``X`` by the pipeline benchmark,
    so only the names and the birth date count here."""
    return all(getattr(facts, name) for name in StudentRow.REQUIRED if name != "sex")


def shares(missed: Counter[str], true_matches: int) -> dict[str, float]:
    """Each cause's share of the true matches (0 when none)."""
    return {c: round(missed[c] / true_matches, 4) if true_matches else 0.0 for c in CAUSES}

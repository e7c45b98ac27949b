"""Organisation thresholds of a grassroots union (docs/rules.md §0) [C]:

* a union committee (工会委员会) is elected once the union has 25 members or more; below that an
  organiser may stand in (章程 Art 25);
* a union of 100 members or fewer holds a members' meeting (会员大会), not a representatives'
  congress (章程 Art 26);
* a women workers' committee (女职工委员会) is set up where there are 10 or more women members
  (章程 Art 30; 女职工委员会工作条例 Art 11).

Pure: the caller supplies the counts and the organisation facts.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "COMMITTEE_MIN_MEMBERS",
    "MEMBERS_MEETING_MAX_MEMBERS",
    "WOMEN_COMMITTEE_MIN_WOMEN",
    "Finding",
    "findings",
]

COMMITTEE_MIN_MEMBERS = 25
MEMBERS_MEETING_MAX_MEMBERS = 100
WOMEN_COMMITTEE_MIN_WOMEN = 10


class Finding(StrEnum):
    committee_missing = "committee_missing"  # >= 25 members and no committee (章程 Art 25)
    congress_instead_of_meeting = "congress_instead_of_meeting"  # <= 100 members, a congress (章程 Art 26)
    women_committee_missing = "women_committee_missing"  # >= 10 women, none (女职工委员会工作条例 Art 11)


def findings(
    *, members: int, women: int, has_committee: bool, assembly: str | None, has_women_committee: bool
) -> list[Finding]:
    out = []
    if members >= COMMITTEE_MIN_MEMBERS and not has_committee:
        out.append(Finding.committee_missing)
    if members <= MEMBERS_MEETING_MAX_MEMBERS and assembly == "congress":
        out.append(Finding.congress_instead_of_meeting)
    if women >= WOMEN_COMMITTEE_MIN_WOMEN and not has_women_committee:
        out.append(Finding.women_committee_missing)
    return out

"""Rationalisation proposals (合理化建议) from any worker and their campaigns (征集活动), docs/rules.md §3.

Modules: ``workflow`` (the path as data and one function per step), ``visibility`` (who sees what, as
SQL), ``campaigns`` (campaigns and their report), ``lists`` (the proposal list).
"""

from api.services.rationalisation.campaigns import create as create_campaign
from api.services.rationalisation.campaigns import list_campaigns, report
from api.services.rationalisation.lists import list_proposals
from api.services.rationalisation.visibility import get_campaign, get_proposal
from api.services.rationalisation.workflow import TRANSITIONS, decide, notify, reward, screen, submit

__all__ = [
    "TRANSITIONS",
    "create_campaign",
    "decide",
    "get_campaign",
    "get_proposal",
    "list_campaigns",
    "list_proposals",
    "notify",
    "report",
    "reward",
    "screen",
    "submit",
]

"""User-agent classes for logs and view counting: browser, bot, cli or unknown."""

from __future__ import annotations

import re
from functools import lru_cache

_BOT = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|archiver|facebookexternalhit|embedly|preview|headless|"
    r"lighthouse|pingdom|uptime|monitor|validator|feedfetcher|scrapy|phantomjs|selenium",
    re.I,
)
_CLI = re.compile(
    r"^(curl|wget|httpie|python|aiohttp|go-http|java|okhttp|wrk|ab/|hey/|k6|node|axios|ruby|php)",
    re.I,
)


@lru_cache(maxsize=4096)
def classify(user_agent: str) -> str:
    if not user_agent:
        return "unknown"
    if _BOT.search(user_agent):
        return "bot"
    if _CLI.search(user_agent):
        return "cli"
    if user_agent.startswith("Mozilla/") or user_agent.startswith("Opera/"):
        return "browser"
    return "unknown"

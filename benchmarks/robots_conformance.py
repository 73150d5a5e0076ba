"""Score robots.txt decisions against the RFC 9309 table of tests/robots_cases.py.

Two comparisons, in one run:

1. Every case, served by the loopback test site (statuses, redirects, resets included):
   newslake's fetcher (the URLs it would request) next to urllib.robotparser fetching the same
   robots.txt itself with `read()` (newslake's parser before protego). A case whose robots.txt
   makes `read()` raise counts its decisions as wrong.
2. The cases with a plain 200 body, the same bytes given to each parser: newslake's policy
   (transforms/robots.py), urllib.robotparser, and protego alone. The parsers are asked with the
   User-Agent header newslake sends ("newslake/0.1 (+contact URL)").

    .venv/bin/python benchmarks/robots_conformance.py [--verbose]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import urllib.robotparser
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from news_site import NewsSite  # noqa: E402
from protego import Protego  # noqa: E402
from robots_cases import CASES, RobotsCase, serve  # noqa: E402

from newslake.flows.settings import FetchSettings  # noqa: E402
from newslake.flows.sources.http import Fetcher  # noqa: E402
from newslake.transforms.errors import FetchError, RobotsDisallowed  # noqa: E402
from newslake.transforms.robots import parse_robots  # noqa: E402

SETTINGS = FetchSettings(
    allowed_hosts=("127.0.0.1",), min_delay_s=0, timeout_s=2, total_timeout_s=10, retries=0
)


def header(agent: str) -> str:
    """The User-Agent header newslake sends for a configured agent."""
    return f"{agent} (+{SETTINGS.contact_url})"


def newslake_fetched(site: NewsSite, robots: RobotsCase) -> list[bool | None]:
    """Whether newslake's fetcher let each checked URL through."""

    async def go() -> list[bool | None]:
        decisions: list[bool | None] = []
        async with Fetcher(replace(SETTINGS, user_agent=robots.agent)) as fetcher:
            for path, _ in robots.checks:
                try:
                    await fetcher.fetch(site.url(path))
                    decisions.append(True)
                except RobotsDisallowed:
                    decisions.append(False)
                except FetchError:  # requested, then failed (404)
                    decisions.append(True)
        return decisions

    return asyncio.run(go())


def urllib_fetched(site: NewsSite, robots: RobotsCase) -> list[bool | None]:
    """urllib.robotparser's decisions after its own read() of the site's robots.txt."""
    parser = urllib.robotparser.RobotFileParser(site.url("/robots.txt"))
    try:
        parser.read()
    except OSError:
        return [None] * len(robots.checks)
    return [parser.can_fetch(header(robots.agent), site.url(p)) for p, _ in robots.checks]


def parsed(robots: RobotsCase, site_url: str) -> dict[str, list[bool]]:
    """Each parser's decisions on the case's body."""
    urls = [site_url + path for path, _ in robots.checks]
    agent = header(robots.agent)
    policy = parse_robots(robots.body, agent)
    stdlib = urllib.robotparser.RobotFileParser()
    stdlib.parse(robots.body.decode("utf-8", "replace").splitlines())
    alone = Protego.parse(robots.body.decode("utf-8", "replace"))
    return {
        "newslake": [policy.allows(u) for u in urls],
        "urllib.robotparser": [stdlib.can_fetch(agent, u) for u in urls],
        "protego alone": [alone.can_fetch(u, agent) for u in urls],
    }


def score(
    name: str, robots: RobotsCase, got: list[bool | None], totals: dict, wrong: list, verbose: bool
) -> None:
    """Add one tool's decisions on a case to its totals; note each disagreement."""
    right = totals.setdefault(name, [0, 0])
    for (path, expected), decision in zip(robots.checks, got, strict=True):
        right[1] += 1
        if decision is expected:
            right[0] += 1
        elif verbose:
            wrong.append(f"  {name}: {robots.name!r} {path} -> {decision}, RFC says {expected}")


def main(argv: list[str] | None = None) -> int:
    """Run both comparisons and print the agreement of each tool with the table."""
    args = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    args.add_argument("--verbose", action="store_true", help="list every disagreement")
    verbose = args.parse_args(argv).verbose
    served: dict[str, list[int]] = {}
    bodies: dict[str, list[int]] = {}
    wrong: list[str] = []
    started = time.perf_counter()
    with NewsSite() as site:
        for robots in CASES:
            serve(site, robots)
            score("newslake", robots, newslake_fetched(site, robots), served, wrong, verbose)
            got = urllib_fetched(site, robots)
            score("urllib.robotparser", robots, got, served, wrong, verbose)
    for robots in CASES:
        if robots.status == 200 and not robots.redirects and not robots.unreachable:
            for name, got in parsed(robots, "https://news.example").items():
                score(name, robots, got, bodies, wrong, verbose)
    seconds = time.perf_counter() - started
    n_body = sum(1 for c in CASES if c.status == 200 and not c.redirects and not c.unreachable)
    print(f"robots.txt decisions agreeing with RFC 9309 ({len(CASES)} cases, {seconds:.1f} s)")
    print(f"served by the loopback site, all {len(CASES)} cases:")
    for name, (right, total) in served.items():
        print(f"  {name:20} {right:4} / {total}")
    print(f"parsers on the same bytes, {n_body} cases with a 200 body:")
    for name, (right, total) in bodies.items():
        print(f"  {name:20} {right:4} / {total}")
    if wrong:
        print("disagreements:", *wrong, sep="\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

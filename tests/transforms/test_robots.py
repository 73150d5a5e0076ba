"""robots.txt policies without the network: the conformance table's body cases, and the rules
newslake adds around protego."""

import pytest
from robots_cases import CASES

from newslake.transforms.robots import (
    MAX_PARSED_BYTES,
    allow_all,
    disallow_all,
    parse_robots,
    policy_for_response,
    product_token,
)

BODY_CASES = [c for c in CASES if c.status == 200 and not c.redirects and not c.unreachable]
SITE = "https://news.example"


@pytest.mark.parametrize("robots", BODY_CASES, ids=[c.name for c in BODY_CASES])
def test_body_cases_of_the_conformance_table(robots):
    policy = parse_robots(robots.body, robots.agent)
    assert {path: policy.allows(SITE + path) for path, _ in robots.checks} == dict(robots.checks)


@pytest.mark.parametrize(
    ("agent", "token"),
    [
        ("newslake/0.1 (+https://example.org)", "newslake"),
        ("NewsLake", "newslake"),
        ("Foo-Bot_X/3.1", "foo-bot_x"),
        ("  padded/1", "padded"),
    ],
)
def test_product_token(agent, token):
    assert product_token(agent) == token


def test_an_agent_without_a_product_token_is_refused():
    with pytest.raises(ValueError, match="product token"):
        product_token("/1.0")


@pytest.mark.parametrize(
    ("status", "allowed", "refused"),
    [(200, False, None), (404, True, None), (451, True, None), (500, False, "HTTP 500")],
)
def test_policy_for_response_by_status(status, allowed, refused):
    policy = policy_for_response(status, b"User-agent: *\nDisallow: /\n", "newslake")
    assert policy.allows(SITE + "/a") is allowed
    assert policy.refusal == (None if refused is None else f"robots.txt answered {refused}")


def test_allow_all_and_disallow_all():
    assert allow_all().allows(SITE + "/x") and allow_all().crawl_delay is None
    refused = disallow_all("timed out")
    assert not refused.allows(SITE + "/") and refused.refusal == "timed out"


def test_crawl_delay_comes_from_the_group_that_applies():
    text = b"User-agent: *\nCrawl-delay: 7\n\nUser-agent: newslake\nCrawl-delay: 1.5\n"
    assert parse_robots(text, "newslake/0.1").crawl_delay == 1.5
    assert parse_robots(text, "otherbot").crawl_delay == 7.0
    assert parse_robots(b"User-agent: *\nCrawl-delay: soon\n", "newslake").crawl_delay is None


def test_the_limit_cuts_at_a_line_end():
    # The last line straddles the limit: it is dropped, not read as "Disallow: /".
    head = b"User-agent: *\n# " + b"x" * (MAX_PARSED_BYTES - 30) + b"\n"
    policy = parse_robots(head + b"Disallow: /private/\n", "newslake")
    assert policy.allows(SITE + "/private/a") and policy.allows(SITE + "/")


def test_a_first_line_over_the_limit_leaves_nothing():
    policy = parse_robots(b"User-agent: *\nDisallow: /" + b"a" * MAX_PARSED_BYTES, "newslake")
    assert policy.allows(SITE + "/" + "a" * 10)


def test_invalid_bytes_do_not_stop_the_parse():
    policy = parse_robots(b"User-agent: *\nDisallow: /\xff\xfe\nDisallow: /b/\n", "newslake")
    assert not policy.allows(SITE + "/b/1") and policy.allows(SITE + "/a")


def test_robots_txt_itself_is_always_allowed():
    assert parse_robots(b"User-agent: *\nDisallow: /\n", "x").allows(SITE + "/robots.txt")


def test_robots_txt_itself_is_implicitly_allowed():
    policy = parse_robots(b"User-agent: *\nDisallow: /\n", "newslake/1.0")
    assert policy.allows("https://example.org/robots.txt")
    assert not policy.allows("https://example.org/robots.txt.bak")
    assert not policy.allows("https://example.org/")

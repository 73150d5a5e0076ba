import pytest

from newslake.transforms.topics import Topic, compile_topics, match_topics

MATCHER = compile_topics(
    [
        Topic(
            "ai",
            ("artificial intelligence", "language model", "AI"),
            exclude=("Adobe Illustrator",),
        ),
        Topic("strike", ("strike", "walkout", "picket line")),
        Topic("lead", ("lead levels", "lead pipes")),
    ]
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The new language model was trained on rented chips.", {"ai": 1}),
        ("Artificial\nIntelligence and AI: the same thing twice.", {"ai": 2}),
        ("PAINTINGS made with an air brush", {}),  # 'AI' inside a word is no hit
        ("Dockworkers went on strike; the strike entered day two.", {"strike": 2}),
        ("Strikers gathered", {}),  # a longer word is not the term
        ("The picket   line held", {"strike": 1}),
        ("Lead levels rose where lead pipes remain.", {"lead": 2}),
        ("She will lead the union.", {}),
        ("Made in Adobe Illustrator with AI tools.", {}),  # an exclusion rules the topic out
    ],
)
def test_topic_boundaries_case_and_exclusions(text, expected):
    assert match_topics(MATCHER, None, text) == expected


def test_the_title_counts_too():
    assert match_topics(MATCHER, "Port strike ends", "Talks concluded overnight.") == {"strike": 1}


def test_a_topic_without_terms_never_matches():
    assert match_topics(compile_topics([Topic("empty", ())]), "x", "anything") == {}

"""extract_page on small hand-written news pages: what the HTML path keeps and what it drops."""

import json
from datetime import UTC, datetime

import pytest

from newslake.transforms.errors import ExtractError
from newslake.transforms.extract import extract_page, precise_or_fuller
from newslake.transforms.records import Page, RunInfo

RUN = RunInfo("test", datetime(2026, 3, 10, tzinfo=UTC))
URL = "https://www.portavery.example/news/2026/03/04/dredging-plan-approved"
TITLE = "Harbour board approves dredging plan"
BODY = [
    "The Port Avery harbour board approved the eastern channel dredging plan on Tuesday night "
    "after a four-hour meeting that ran well past midnight.",
    "Board members voted six to two in favour, with both votes against coming from members who "
    "represent the fishing cooperatives on the northern quay.",
    "Work is due to start in May and should end before the autumn storms, when the channel is "
    "usually closed to large vessels for several weeks.",
    "The board said the silt would be moved to the old gravel pits behind the industrial estate "
    "rather than dumped at sea, as first proposed last year.",
    "Fishing crews said they would watch the water quality closely and ask for an independent "
    "survey if the catch falls during the summer season.",
]


def page_html(*blocks: str, head: str = "", title: str = TITLE, lang: str = "en") -> str:
    paragraphs = "".join(blocks) if blocks else "".join(f"<p>{p}</p>" for p in BODY)
    return (
        f'<!doctype html><html lang="{lang}"><head><title>{title} | Port Avery Post</title>'
        f'<meta property="og:title" content="{title}">'
        '<meta property="article:published_time" content="2026-03-04T08:30:00+01:00">'
        f"{head}</head><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        f"<article><h1>{title}</h1>{paragraphs}</article>"
        "<footer>Copyright Port Avery Post</footer></body></html>"
    )


def extract(markup: str):
    page = Page.create(
        source="test", url=URL, body=markup.encode("utf-8"), run=RUN, content_type="text/html"
    )
    return extract_page(page)


def paras(*texts: str) -> list[str]:
    return [f"<p>{t}</p>" for t in texts]


def test_the_article_comes_out_without_its_headline_or_page_chrome():
    result = extract(page_html())
    assert result.text.split("\n\n") == BODY
    assert result.title == TITLE
    assert result.published_at == datetime(2026, 3, 4, 7, 30, tzinfo=UTC)


def test_an_html_comment_inside_a_paragraph_does_not_cut_it_short():
    cut = (
        "<p>The board chair, <a href='/people/ana-ruiz'>Ana Ruiz</a><!-- person link -->, said "
        "the vote settled a question the town had argued over for a decade.</p>"
    )
    result = extract(page_html(cut, *paras(*BODY)))
    assert (
        "The board chair, Ana Ruiz, said the vote settled a question the town had argued over "
        "for a decade." in result.text
    )


def test_a_quoted_social_post_is_kept():
    tweet = (
        '<div class="social-media-embed"><blockquote class="twitter-tweet"><p>Six votes to two. '
        "The channel gets dredged at last.</p>&mdash; Port Avery Watch (@averywatch) "
        '<a href="https://twitter.com/averywatch/status/1">March 4, 2026</a></blockquote>'
        '<script src="https://platform.twitter.com/widgets.js"></script></div>'
    )
    result = extract(page_html(*paras(*BODY[:2]), tweet, *paras(*BODY[2:])))
    assert "Six votes to two. The channel gets dredged at last." in result.text
    assert BODY[4] in result.text


def test_widgets_inside_the_body_are_dropped_and_the_article_kept():
    card = (
        '<p>The motion came from councillor <span><a href="/people/ana-ruiz">Ana Ruiz</a>'
        '<span class="card"><img src="/r.jpg"><a href="/people/ana-ruiz">Ana Ruiz</a>'
        '<a href="/news/1">Ruiz backs ferry fares freeze</a><a href="/news/2">Budget vote '
        "delayed</a></span></span>, who chairs the transport committee of the board.</p>"
    )
    newsletter = (
        '<div class="newsletter-box"><h3>Harbour Briefing</h3><p>Our free morning email with '
        "the day's shipping news, every weekday.</p></div>"
    )
    related = (
        '<ul><li><a href="/news/2026/02/ferry-fares-frozen">Ferry fares frozen for another '
        'year</a></li><li><a href="/news/2026/02/storm-pier">Storm closes the north pier for '
        "a week</a></li></ul>"
    )
    note = "<p>Jo Marsh covers the port. Follow her on Twitter @jomarsh.</p>"
    about = '<hr><p class="small">Port Avery Post is owned by Avery Media Group.</p>'
    blocks = [card, *paras(*BODY[:3]), newsletter, *paras(*BODY[3:]), related, note, about]
    text = extract(page_html(*blocks)).text
    assert "who chairs the transport committee of the board." in text
    for gone in ("Ruiz backs", "Harbour Briefing", "free morning email", "Ferry fares frozen"):
        assert gone not in text
    assert "Follow her" not in text
    assert "Avery Media Group" not in text
    assert all(p in text for p in BODY)


def test_a_call_to_action_about_the_subject_stays_and_one_about_the_site_goes():
    tip = "<p>Get the full dredging timetable here.</p>"
    pitch = "<p>Subscribe to our newsletter for daily port news.</p>"
    text = extract(page_html(*paras(*BODY[:3]), tip, pitch, *paras(*BODY[3:]))).text
    assert "Get the full dredging timetable here." in text
    assert "Subscribe" not in text


def test_a_dateline_at_the_top_is_kept():
    text = extract(page_html("<p>PORT AVERY, HARBOUR COUNTY</p>", *paras(*BODY))).text
    assert text.startswith("PORT AVERY, HARBOUR COUNTY")


def test_a_list_between_paragraphs_is_kept():
    facts = "<ul><li>Depth after dredging: 9 metres</li><li>Silt to move: 40,000 tonnes</li></ul>"
    text = extract(page_html(*paras(*BODY[:2]), facts, *paras(*BODY[2:]))).text
    assert "Depth after dredging: 9 metres" in text
    assert "Silt to move: 40,000 tonnes" in text


def test_text_after_an_empty_element_stays_in_its_paragraph():
    cut = (
        "<p>The board chair said<span></span> the vote settled a question the town had argued "
        "over for a decade.</p>"
    )
    text = extract(page_html(cut, *paras(*BODY))).text
    assert text.split("\n\n")[0] == (
        "The board chair said the vote settled a question the town had argued over for a decade."
    )


def test_text_after_an_empty_element_in_the_footer_stays_out():
    markup = page_html().replace("<footer>", "<footer><span></span>")
    assert extract(markup).text.split("\n\n") == BODY


# A body long enough for the precise pass to stand on its own (no fuller pass is asked).
LONG_BODY = [
    f"{part} {paragraph}" for part in ("First,", "Then,", "Later,", "And") for paragraph in BODY
]
STANDFIRST = "Six votes to two after a four-hour meeting: the channel will be dredged by autumn."


def test_the_standfirst_in_the_article_header_is_kept_and_the_page_banner_is_not():
    banner = "<header><p>Port Avery's own paper since 1887, on the quay every morning.</p></header>"
    header = f"<header><h1>{TITLE}</h1><p class='standfirst'>{STANDFIRST}</p></header>"
    markup = page_html(*paras(*LONG_BODY)).replace("<nav>", f"{banner}<nav>")
    text = extract(markup.replace(f"<h1>{TITLE}</h1>", header)).text
    assert text.split("\n\n") == [STANDFIRST, *LONG_BODY]


# --- scripts without spaces and right-to-left scripts come out whole -----------------------------

JA_TITLE = "港湾委員会が浚渫計画を承認"
JA_BODY = [
    "ポートエイヴリー港湾委員会は火曜日の夜、東水路の浚渫計画を賛成六、反対二で承認した。",
    "会議は四時間に及び、反対票はいずれも北岸の漁業協同組合を代表する委員が投じた。",
    "工事は五月に始まり、大型船の航行が難しくなる秋の嵐の前に終わる予定だという。",
    "委員会によると、浚渫した土砂は海に捨てず、工業団地の裏にある古い砂利採取場に運ぶ。",
    "漁業者らは夏の漁期に水質と漁獲量を注意深く見守り、必要なら独立した調査を求めるとしている。",
]
AR_TITLE = "مجلس الميناء يوافق على خطة تعميق القناة"
AR_BODY = [
    "وافق مجلس ميناء بورت أفري مساء الثلاثاء على خطة تعميق القناة الشرقية.",
    "واستمر الاجتماع أربع ساعات، وجاء الصوتان المعارضان من ممثلي تعاونيات الصيد.",
    "ومن المقرر أن تبدأ الأعمال في مايو وأن تنتهي قبل عواصف الخريف المعتادة.",
    "وقال المجلس إن الطمي سينقل إلى حفر الحصى القديمة بدلاً من إلقائه في البحر.",
    "وقال الصيادون إنهم سيراقبون جودة المياه عن كثب طوال موسم الصيد في الصيف.",
]
# Persian keeps a zero-width non-joiner (U+200C) inside words such as 'Tuesday' and 'will go'.
ZWNJ = "\u200c"
FA_TITLE = "هیئت بندر طرح لایروبی را تصویب کرد"
FA_BODY = [
    f"هیئت بندر پورت اوری شامگاه سه{ZWNJ}شنبه طرح لایروبی کانال شرقی را تصویب کرد.",
    f"نشست چهار ساعت طول کشید و دو رأی مخالف از سوی تعاونی{ZWNJ}های صیادی داده شد.",
    f"قرار است کار در اردیبهشت آغاز شود و پیش از توفان{ZWNJ}های پاییزی پایان یابد.",
    f"به گفته هیئت، گل{ZWNJ}ولای به گودال{ZWNJ}های قدیمی شن پشت شهرک صنعتی برده می{ZWNJ}شود.",
    f"صیادان می{ZWNJ}گویند کیفیت آب را در فصل صید تابستان از نزدیک زیر نظر خواهند داشت.",
]


@pytest.mark.parametrize(
    ("lang", "title", "body"),
    [("ja", JA_TITLE, JA_BODY), ("ar", AR_TITLE, AR_BODY), ("fa", FA_TITLE, FA_BODY)],
)
def test_cjk_and_right_to_left_articles_come_out_whole(lang: str, title: str, body: list[str]):
    result = extract(page_html(*paras(*body), title=title, lang=lang))
    assert result.text.split("\n\n") == body
    assert result.title == title
    assert result.language == lang


def test_right_to_left_marks_inside_a_sentence_survive():
    rlm = "\u200f"
    mixed = f"وقال المتحدث إن شركة {rlm}Harbourline{rlm} ستتولى الأعمال في القناة."
    markup = page_html(*paras(*AR_BODY[:3], mixed, *AR_BODY[3:]), title=AR_TITLE, lang="ar")
    assert mixed in extract(markup).text


# --- short articles: kept when the page says it is one, refused when it is a list or an error ---

BRIEF = (
    "The coast road at Gull Point is closed until Friday after a rockfall on Sunday night. "
    "Drivers should use the inland route, the county said."
)


def plain_page(body: str, head: str = "", title: str = "Coast road closed") -> str:
    """A page with no <article>: only `head` may say what kind of page it is."""
    return (
        f"<!doctype html><html lang='en'><head><title>{title} | Port Avery Post</title>{head}"
        f"</head><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        f"<div class='main'><h1>{title}</h1>{body}</div>"
        "<footer>Copyright Port Avery Post</footer></body></html>"
    )


@pytest.mark.parametrize(
    "head",
    [
        '<meta property="og:type" content="article">',
        '<script type="application/ld+json">{"@type": "NewsArticle"}</script>',
    ],
)
def test_a_short_brief_on_a_page_marked_as_an_article_is_kept(head: str):
    result = extract(plain_page(f"<p>{BRIEF}</p>", head))
    assert result.text == BRIEF
    assert result.word_count < 40


def test_a_short_brief_in_the_article_element_is_kept():
    assert extract(page_html(f"<p>{BRIEF}</p>")).text == BRIEF


def test_the_same_short_text_on_a_page_that_says_nothing_is_refused():
    with pytest.raises(ExtractError, match="words after cleaning"):
        extract(plain_page(f"<p>{BRIEF}</p>"))


def test_a_marked_page_with_a_few_words_only_is_refused():
    head = '<meta property="og:type" content="article">'
    with pytest.raises(ExtractError, match="words after cleaning"):
        extract(plain_page("<p>Video: the rockfall at Gull Point.</p>", head))


def test_a_section_front_is_refused():
    teasers = "".join(
        f"<article><h2><a href='/news/{slug}'>{headline}</a></h2><p>{blurb}</p></article>"
        for slug, headline, blurb in [
            ("rockfall", "Coast road at Gull Point closed after rockfall", "Until Friday."),
            ("ferry", "Ferry fares frozen for another year", "Board vote."),
            ("storm", "Storm closes the north pier for a week", "Repairs begin."),
            ("school", "New school opens on the harbour estate", "Pupils start."),
        ]
    )
    head = '<meta property="og:type" content="website">'
    with pytest.raises(ExtractError):
        extract(plain_page(teasers, head, title="Local news"))


def test_an_error_page_is_refused():
    body = "<p>Sorry, we could not find that page.</p><p><a href='/'>Back to the front</a></p>"
    with pytest.raises(ExtractError):
        extract(plain_page(body, title="Page not found"))


def stated(body: str) -> str:
    article = {"@type": "NewsArticle", "headline": TITLE, "articleBody": body}
    return f'<script type="application/ld+json">{json.dumps(article)}</script>'


# Under 40 words but long enough (250 characters) that trafilatura takes it for the text.
CAPTION = (
    "The harbour dredger Margarethe Vandersloot photographed alongside the northern breakwater "
    "yesterday afternoon while awaiting authorisation from the Harbourmaster's Office, the "
    "Maritime Administration's Environmental Monitoring Department and the Hydrographic "
    "Surveying Directorate."
)


def test_a_page_showing_only_a_caption_keeps_the_body_its_json_ld_states():
    caption = f"<img src='/dredger.jpg'><p class='caption'>{CAPTION}</p>"
    result = extract(page_html(caption, head=stated("\n\n".join(BODY))))
    assert result.text.split("\n\n") == BODY


def test_a_shown_article_is_not_replaced_by_a_longer_stated_body():
    result = extract(page_html(head=stated("\n\n".join([*BODY, *LONG_BODY]))))
    assert result.text.split("\n\n") == BODY


# --- characters a browser does not show do not cost the article -----------------------------------


def test_a_control_character_in_the_page_does_not_lose_the_article():
    result = extract(page_html(*paras(BODY[0].replace(" after", "\x07 after"), *BODY[1:])))
    assert BODY[0] in result.text
    assert BODY[4] in result.text


# --- the precise pass can only remove furniture: a fuller pass wins when it cut the article -------


def test_a_precise_pass_that_kept_a_fragment_gives_way_to_the_fuller_pass():
    fragment = ["March 4, 2026"]
    assert precise_or_fuller(fragment, [fragment[0], *BODY]) == [fragment[0], *BODY]


def test_a_precise_pass_that_dropped_only_furniture_is_kept():
    fuller = [*BODY, "Share this story", "Subscribe to the Port Avery Post for daily news."]
    assert precise_or_fuller(BODY, fuller) == BODY


def test_nothing_from_either_pass_is_nothing():
    assert precise_or_fuller([], []) == []


# A syndicated copy lower-cased with its punctuation stripped: no paragraph ends a sentence
# and none reaches 30 words, yet the text runs on.
STRIPPED = [
    "the port avery harbour board approved the eastern channel dredging plan on tuesday night "
    "after a long meeting",
    "board members voted six to two in favour with both votes against coming from the fishing "
    "cooperatives",
    "work is due to start in may and should end before the autumn storms close the channel",
    "the silt will be moved to the old gravel pits behind the industrial estate instead",
]


def extract_text(text: str):
    page = Page.create(
        source="test",
        url="file:///news/dredging.txt",
        body=text.encode("utf-8"),
        run=RUN,
        content_type="text/plain",
    )
    return extract_page(page)


def test_a_punctuation_stripped_article_in_plain_text_is_kept():
    result = extract_text("\n\n".join(STRIPPED) + "\n")
    for paragraph in STRIPPED:
        assert paragraph in result.text


def test_a_punctuation_stripped_article_in_html_is_kept():
    result = extract(page_html(*paras(*STRIPPED)))
    assert result.text.split("\n\n") == STRIPPED


def test_a_punctuation_free_list_of_short_lines_is_refused():
    menu = [
        "home",
        "local news",
        "harbour and shipping news",
        "sport results and fixtures",
        "weather for the coast",
        "letters to the editor",
        "obituaries and notices",
        "jobs and property",
        "what is on this week",
        "contact the newsroom",
        "subscribe to the weekly edition",
        "advertise with us",
        "terms of use and privacy",
    ]
    with pytest.raises(ExtractError, match="only short lines"):
        extract_text("\n\n".join(menu) + "\n")


def test_a_section_front_of_link_lines_is_refused():
    headlines = [
        "coast road at gull point closed after rockfall",
        "ferry fares frozen for another year after board vote",
        "storm closes the north pier for a week of repairs",
        "new school opens on the harbour estate",
        "fishing cooperatives ask for an independent survey of the channel",
        "council extends water programme to the northern villages",
        "harbour board approves dredging plan after long meeting",
    ]
    links = "".join(f"<p><a href='/news/{i}'>{h}</a></p>" for i, h in enumerate(headlines))
    head = '<meta property="og:type" content="website">'
    with pytest.raises(ExtractError):
        extract(plain_page(links, head, title="Local news"))

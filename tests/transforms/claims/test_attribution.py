import pytest

from newslake.transforms.claims.attribution import attributed_to


@pytest.mark.parametrize(
    ("sentence", "source"),
    [
        # inverted: "..., said X"
        ("Profits rose, said John Smith, chief executive of Acme.", "John Smith"),
        ('"We will win," said Smith.', "Smith"),
        ("Sales grew, said Dr. Jane Doe on Monday.", "Jane Doe"),
        (
            "The model was cheap, said a professor from Tsinghua University.",
            "a professor from Tsinghua University",
        ),
        ("Prices fell, says the report.", "the report"),
        # subject first: "X said ...", "X noted that ...", "X told Reuters that ..."
        ("Smith said the deal was off.", "Smith"),
        ("Jones noted that prices rose.", "Jones"),
        ("Li told Reuters that the firm would grow.", "Li"),
        ('"We will win," Smith said.', "Smith"),
        ("The deal is off, Bank of America said.", "Bank of America"),
        ("DeepSeek has also stated that it does not take outside work.", "DeepSeek"),
        ("Chen warned that costs would rise.", "Chen"),
        ("Li argued the rules had failed.", "Li"),
        ("Patel wrote that the chips were scarce.", "Patel"),
        ("Okafor explained that the model was small.", "Okafor"),
        ("Analysts estimated that it cost $6 million.", "analysts"),
        ("Nvidia confirmed that it had sold the chips.", "Nvidia"),
        ("The regulator announced that the probe had ended.", "the regulator"),
        ("Acme reported that sales fell.", "Acme"),
        ("The company claimed that its model was cheaper.", "the company"),
        ("Smith added that talks would resume.", "Smith"),
        (
            "Tian Feng, former dean of an AI institute, pointed out that the model is cheap.",
            "Tian Feng",
        ),
        # "X, a spokesman for Y, said": X
        ("John Smith, a spokesman for Acme, said the plant would close.", "John Smith"),
        ("Jim Fan, Senior Research Manager at Nvidia, noted on X that costs fell.", "Jim Fan"),
        # titles are dropped before a name; "the" is dropped before a proper name
        ("OpenAI CEO Sam Altman said last week that the firm was wrong.", "Sam Altman"),
        ("Secretary of State Marco Rubio said the talks went well.", "Marco Rubio"),
        ("The Justice Department said the case was closed.", "Justice Department"),
        # generic sources keep their determiner, in lower case
        ("The deal is off, the company said in a statement.", "the company"),
        ("The U.S. government said it would act.", "the U.S. government"),
        ("Analysts said the shares were cheap.", "analysts"),
        # according to
        ("Exports fell 5%, according to the Commerce Department.", "Commerce Department"),
        ("Output rose, according to a report by Bloomberg.", "Bloomberg"),
        ("According to data from the World Bank, growth slowed.", "World Bank"),
        ("According to Li Baiyang, an associate professor, the curbs failed.", "Li Baiyang"),
        ("It cost $6 million according to the company and it was quick.", "the company"),
        ("This is a big step, as suggested by Chen.", "Chen"),
    ],
)
def test_sources(sentence, source):
    assert attributed_to(sentence) == source


@pytest.mark.parametrize(
    "sentence",
    [
        "The deal is off, he said.",  # a pronoun is no source
        "She noted that prices rose.",
        "They told reporters the plant would close.",
        "The so-called deal collapsed.",
        "It is said that the deal collapsed.",
        "The model was said to be cheap.",
        "The firm added 5,000 jobs in May.",  # "added", "announced": not reporting here
        "The firm announced a $500 million plan.",
        "An estimated 2,000 people attended.",
        "The reported figure was wrong.",
        "According to reports, the firm grew.",  # reports are not a source
        "The model was developed by DeepSeek engineers.",
        "DeepSeek released its model in December.",
        "Officials did not say how much it cost.",
    ],
)
def test_no_source(sentence):
    assert attributed_to(sentence) is None


@pytest.mark.parametrize(
    ("sentence", "source"),
    [
        ("PRICES WILL RISE, SAID JOHN SMITH.", "JOHN SMITH"),
        ("Prices will rise, ſaid John Smith.", "John Smith"),  # long s, as IGNORECASE reads it
        ("ACCORDING TO Reuters, prices will rise.", "Reuters"),
        ("The figure was Reported BY the Central Bank.", "Central Bank"),
    ],
)
def test_the_quick_word_tests_see_what_the_case_blind_patterns_see(sentence, source):
    assert attributed_to(sentence) == source

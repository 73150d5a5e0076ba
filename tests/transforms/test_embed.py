from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from newslake.transforms.embed import StaticEmbedder, basic_tokenize, default_embedder


@pytest.fixture(scope="module")
def embedder() -> StaticEmbedder:
    return default_embedder()


def write_model(path: Path, vectors: dict[str, list[float]]) -> Path:
    """A tiny model in the shipped format (int8 rows, float32 row scales, vocab lines)."""
    table = np.array(list(vectors.values()), dtype=np.float32)
    scales = np.abs(table).max(axis=1) / 127
    quantized = np.rint(table / np.where(scales > 0, scales, 1)[:, None]).astype(np.int8)
    vocab = np.frombuffer("\n".join(vectors).encode("utf-8"), dtype=np.uint8)
    np.savez_compressed(path, vectors=quantized, scales=scales.astype(np.float32), vocab=vocab)
    return path


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Héllo, WORLD!", ["hello", ",", "world", "!"]),
        ("Zürich\tCAFÉ\u00a0naïve", ["zurich", "cafe", "naive"]),
        ("U.S.-led talks (2026)", ["u", ".", "s", ".", "-", "led", "talks", "(", "2026", ")"]),
        ("«Non», dit-il…", ["«", "non", "»", ",", "dit", "-", "il", "…"]),
        ("北京2026", ["北", "京", "2026"]),
        ("co\u200bop\x00", ["coop"]),
        ("", []),
    ],
)
def test_basic_tokenize_lowercases_strips_accents_and_splits(text, words):
    assert basic_tokenize(text) == words


def test_wordpiece_pieces_and_unknown_words(embedder):
    assert embedder.tokenize("Interest rates") == ["interest", "rates"]
    assert embedder.tokenize("antidisestablishmentarianism") == [
        "anti",
        "##dis",
        "##est",
        "##ab",
        "##lish",
        "##ment",
        "##arian",
        "##ism",
    ]
    assert embedder.tokenize("rates ☃ 🙂") == ["rates", "[UNK]", "[UNK]"]
    assert embedder.tokenize("a" * 101) == ["[UNK]"]
    assert len(embedder.token_ids("Interest rates")) == 2


def test_embeddings_are_unit_float32_rows(embedder):
    vectors = embedder.embed(["Markets fell sharply.", "Rain is expected tomorrow.", "Hi"])
    assert vectors.shape == (3, embedder.dims)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1, rtol=1e-5)


def test_empty_input_and_unknown_only_sentences(embedder):
    assert embedder.embed([]).shape == (0, embedder.dims)
    vectors = embedder.embed(["☃ 🙂🙂", "", "Markets fell sharply."])
    assert not vectors[:2].any()
    assert np.linalg.norm(vectors[2]) == pytest.approx(1, rel=1e-5)


def test_one_string_is_rejected(embedder):
    with pytest.raises(TypeError):
        embedder.embed("Markets fell sharply.")


@pytest.mark.parametrize(
    ("claim", "paraphrase", "unrelated"),
    [
        (
            "The central bank raised interest rates by half a percentage point on Tuesday.",
            "On Tuesday the central bank increased borrowing costs by 0.5 percentage points.",
            "The football club sacked its manager after a run of six defeats.",
        ),
        (
            "Flooding forced thousands of residents to leave their homes in the north.",
            "Thousands of people in the north were evacuated because of floods.",
            "The tech company reported record quarterly profits driven by cloud sales.",
        ),
        (
            "The prime minister resigned after losing a confidence vote in parliament.",
            "Parliament passed a no-confidence motion and the prime minister stepped down.",
            "Scientists discovered a new species of frog in the Amazon rainforest.",
        ),
        (
            "Police arrested two men in connection with the bank robbery.",
            "Two suspects were detained by officers over the robbery at the bank.",
            "The airline cancelled hundreds of flights because of a strike by pilots.",
        ),
    ],
)
def test_paraphrases_are_closer_than_unrelated_claims(embedder, claim, paraphrase, unrelated):
    first, second, third = embedder.embed([claim, paraphrase, unrelated])
    assert first @ second > first @ third + 0.2


def test_embeddings_are_deterministic_and_batch_independent(embedder):
    sentences = [f"Story number {i} about the election results in district {i}." for i in range(50)]
    batch = embedder.embed(sentences)
    np.testing.assert_array_equal(batch, embedder.embed(sentences))
    np.testing.assert_allclose(embedder.embed(sentences[7:8])[0], batch[7], atol=1e-6)


def test_default_embedder_is_cached():
    assert default_embedder() is default_embedder()


def test_mean_of_known_token_rows(tmp_path):
    path = write_model(
        tmp_path / "m.npz",
        {"[PAD]": [0, 0], "[UNK]": [0, 0], "x": [4, 0], "y": [0, 3], "##z": [0, 1]},
    )
    model = StaticEmbedder.from_npz(path)
    assert model.tokenize("X yz ☃") == ["x", "y", "##z", "[UNK]"]
    vectors = model.embed(["x y", "X ☃", "y", "yz"])
    np.testing.assert_allclose(vectors, [[0.8, 0.6], [1, 0], [0, 1], [0, 1]], rtol=1e-6)


def test_long_texts_are_cut_like_model2vec(tmp_path):
    # Median token length 3: texts are cut to 1536 characters, then to 512 tokens.
    path = write_model(
        tmp_path / "m.npz",
        {"[UNK]": [0, 0], "xxx": [0, 0], "yyy": [0, 0], "x": [1, 0], "y": [0, 1]},
    )
    model = StaticEmbedder.from_npz(path)
    kept, cut = model.embed(["x " * 511 + "y", "x " * 512 + "y"])
    assert kept[1] > 0
    np.testing.assert_array_equal(cut, [1, 0])
    by_chars = model.embed(["xxx " * 384 + "y", "xxx " * 383 + "x y"])
    np.testing.assert_array_equal(by_chars[0], [0, 0])
    assert by_chars[1][1] > 0

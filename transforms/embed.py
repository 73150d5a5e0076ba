"""Sentence embeddings from a static (per-token) model, numpy only.

The model is all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0) distilled with model2vec into
one vector per WordPiece token: each token of the BERT-uncased vocabulary was run through the
transformer on its own, the outputs reduced to 256 dims by PCA, and each row weighted by a
Zipf-estimated SIF weight. The table ships as ``models/minilm_static.npz``: int8 rows with one
float32 scale per row, and the vocabulary in id order. ``benchmarks/distil_embeddings.py``
rebuilds it and checks this module against model2vec and the Hugging Face tokenizer.

A sentence's vector is what model2vec's ``StaticModel.encode`` gives: BERT-uncased tokens
(text cut to 512 x the median token length in characters, then to 512 tokens), [UNK] dropped,
mean of the token rows, L2-normalised. Tokens match the Hugging Face tokenizer's except for the
literal strings "[PAD]" and "[UNK]" (special tokens there, text here) and about 560 rare code
points whose Unicode category or case differs between its tables and this Python's.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import IO

import numpy as np

_PACKAGE = "newslake.transforms"
_MODEL_FILE = "minilm_static.npz"
_UNK = "[UNK]"
_MAX_TOKENS = 512  # model2vec's default max_length
_MAX_WORD_CHARS = 100  # longer words are [UNK], as in BERT's WordPiece
_WORD_CACHE_LIMIT = 100_000  # distinct words remembered; cleared when full
_BATCH = 1024  # sentences tokenised at a time
_GATHER_TOKENS = 16_384  # token rows gathered at a time (16 MB at 256 dims)
# Code points that BERT treats as CJK ideographs (each one a word of its own). As in the
# Hugging Face tokenizer, which model2vec uses: its range starts at 0x2B920, BERT's at 0x2B820.
_CJK_RANGES = (
    (0x4E00, 0x9FFF),
    (0x3400, 0x4DBF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F),
    (0x2B920, 0x2CEAF),
    (0xF900, 0xFAFF),
    (0x2F800, 0x2FA1F),
)


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _normalise_char(char: str) -> str:
    """One character after BERT-uncased normalisation, with spaces around split-off symbols."""
    if char in "\t\n\r":
        return " "
    if char in "\x00\ufffd" or unicodedata.category(char) in ("Cc", "Cf", "Co", "Cs"):
        return ""
    if char.isspace():
        return " "
    decomposed = unicodedata.normalize("NFD", char)
    text = "".join(c for c in decomposed if unicodedata.category(c) != "Mn").lower()
    code = ord(char)
    if any(low <= code <= high for low, high in _CJK_RANGES):
        return f" {text} "
    return "".join(f" {c} " if _is_punctuation(c) else c for c in text)


class _CharMap(dict[int, str]):
    """A ``str.translate`` table filled on first use of each character."""

    def __missing__(self, code: int) -> str:
        value = self[code] = _normalise_char(chr(code))
        return value


_CHAR_MAP = _CharMap()


def basic_tokenize(text: str) -> list[str]:
    """BERT-uncased words: lowercased, accents stripped, split on whitespace and punctuation."""
    return text.translate(_CHAR_MAP).split()


class StaticEmbedder:
    """WordPiece tokeniser and static token vectors; ``embed`` gives unit sentence vectors."""

    def __init__(self, vocab: Sequence[str], vectors: np.ndarray) -> None:
        if len(vocab) != len(vectors):
            raise ValueError(f"{len(vocab)} tokens but {len(vectors)} vectors")
        self._vocab = list(vocab)
        self._ids = {token: i for i, token in enumerate(self._vocab)}
        self._unk = self._ids[_UNK]
        self._vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        # model2vec cuts texts to max_length x the median token length before tokenising.
        self._max_chars = _MAX_TOKENS * int(np.median([len(token) for token in self._vocab]))
        self._word_cache: dict[str, tuple[int, ...]] = {}

    @classmethod
    def load(cls) -> StaticEmbedder:
        """The shipped model (use ``default_embedder()`` for a shared instance)."""
        with (resources.files(_PACKAGE) / "models" / _MODEL_FILE).open("rb") as file:
            return cls.from_npz(file)

    @classmethod
    def from_npz(cls, file: IO[bytes] | Path) -> StaticEmbedder:
        """A model saved as int8 ``vectors``, float32 row ``scales`` and UTF-8 ``vocab`` lines."""
        with np.load(file) as data:
            vocab = data["vocab"].tobytes().decode("utf-8").split("\n")
            vectors = data["vectors"].astype(np.float32) * data["scales"][:, None]
        return cls(vocab, vectors)

    @property
    def dims(self) -> int:
        """Length of an embedding."""
        return int(self._vectors.shape[1])

    def token_ids(self, text: str) -> list[int]:
        """WordPiece ids of ``text`` (no special tokens, no truncation, [UNK] kept)."""
        ids: list[int] = []
        cache = self._word_cache
        for word in basic_tokenize(text):
            pieces = cache.get(word)
            if pieces is None:
                if len(cache) >= _WORD_CACHE_LIMIT:
                    cache.clear()
                pieces = cache[word] = self._wordpiece(word)
            ids += pieces
        return ids

    def tokenize(self, text: str) -> list[str]:
        """WordPiece tokens of ``text``: continuations start with "##", unknown words are [UNK]."""
        return [self._vocab[i] for i in self.token_ids(text)]

    def embed(self, sentences: Sequence[str]) -> np.ndarray:
        """Unit float32 rows, shape (len(sentences), dims); zeros where no token is known."""
        if isinstance(sentences, str):
            raise TypeError("embed() takes a sequence of sentences, not one string")
        out = np.zeros((len(sentences), self.dims), dtype=np.float32)
        for start in range(0, len(sentences), _BATCH):
            self._embed_batch(sentences[start : start + _BATCH], out[start : start + _BATCH])
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), np.finfo(np.float32).tiny)
        return out

    def _embed_batch(self, sentences: Sequence[str], out: np.ndarray) -> None:
        """Mean token vector of each sentence into ``out``, sentences of one length at a time."""
        token_lists: list[list[int]] = []
        rows_by_length: dict[int, list[int]] = defaultdict(list)
        unk = self._unk
        for row, sentence in enumerate(sentences):
            ids = self.token_ids(sentence[: self._max_chars])[:_MAX_TOKENS]
            if unk in ids:
                ids = [i for i in ids if i != unk]
            token_lists.append(ids)
            if ids:
                rows_by_length[len(ids)].append(row)
        for length, rows in rows_by_length.items():
            step = max(1, _GATHER_TOKENS // length)
            for first in range(0, len(rows), step):
                chunk = rows[first : first + step]
                matrix = np.array([token_lists[row] for row in chunk], dtype=np.intp)
                out[chunk] = self._vectors[matrix].mean(axis=1)

    def _wordpiece(self, word: str) -> tuple[int, ...]:
        """Greedy longest-match-first pieces of one word; (unk,) if any part has no match."""
        if len(word) > _MAX_WORD_CHARS:
            return (self._unk,)
        pieces: list[int] = []
        start = 0
        while start < len(word):
            for end in range(len(word), start, -1):
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                piece_id = self._ids.get(piece)
                if piece_id is not None:
                    pieces.append(piece_id)
                    start = end
                    break
            else:
                return (self._unk,)
        return tuple(pieces)


@cache
def default_embedder() -> StaticEmbedder:
    """The shipped model, loaded once per process."""
    return StaticEmbedder.load()

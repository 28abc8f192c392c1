"""Words of German council text as the index sees them: tokens, stop words, Snowball stems, compound parts."""

from __future__ import annotations

import re

import Stemmer

WORD = re.compile(r"\d{1,4}/\d{2,5}(?:-\d+)?|\d+(?:[-/]\d+)+|\w+(?:-\w+)*", re.UNICODE)
_LINKING = ("s", "es", "n", "en", "e", "er")
STOPWORDS = frozenset(
    """aber alle allem allen aller alles als also am an ander andere anderem anderen anderer anderes anderm
    andern anders auch auf aus bei bin bis bist da damit dann der den des dem die das dass daß du dies diese
    diesem diesen dieser dieses doch dort durch ein eine einem einen einer eines einig einige einigem einigen
    einiger einiges einmal er ihn ihm es etwas euer eure eurem euren eurer eures für gegen gewesen hab habe
    haben hat hatte hatten hier hin hinter ich mich mir ihr ihre ihrem ihren ihrer ihres euch im in indem ins
    ist jede jedem jeden jeder jedes jene jenem jenen jener jenes jetzt kann kein keine keinem keinen keiner
    keines können könnte machen man manche manchem manchen mancher manches mein meine meinem meinen meiner
    meines mit muss musste nach nicht nichts noch nun nur ob oder ohne sehr sein seine seinem seinen seiner
    seines selbst sich sie ihnen sind so solche solchem solchen solcher solches soll sollte sondern sonst
    über um und uns unsere unserem unseren unser unseres unter viel vom von vor während war waren warst was
    weg weil weiter welche welchem welchen welcher welches wenn werde werden wie wieder will wir wird wirst
    wo wollen wollte würde würden zu zum zur zwar zwischen wurde wurden gibt gab wer wann wieso warum welch
    bzw ca sowie""".split()
)


class Analyzer:
    """Word -> index terms: lowercase, German Snowball stem, plus the stems of compound parts."""

    def __init__(self, word_freq: dict[str, int] | None = None, min_part_freq: int = 3) -> None:
        self._stemmer = Stemmer.Stemmer("german")
        self.word_freq = word_freq or {}
        self.min_part_freq = min_part_freq
        self._cache: dict[str, tuple[str, ...]] = {}

    def words(self, text: str) -> list[str]:
        return [w for w in WORD.findall(text.lower()) if w not in STOPWORDS]

    def _freq(self, word: str) -> int:
        return self.word_freq.get(word, 0)

    def split_compound(self, word: str) -> tuple[str, str] | None:
        """Best split into two known words (with German linking elements), or None."""
        n = len(word)
        if n < 9 or not word.isalpha():
            return None
        wf, m = self.word_freq.get, self.min_part_freq
        best: tuple[str, str] | None = None
        best_score = 0
        for i in range(4, n - 3):
            tail_freq = wf(word[i:], 0)
            if tail_freq < m:
                continue
            head = word[:i]
            head_freq = wf(head, 0)
            if head_freq < m:
                for x in _LINKING:
                    if i - len(x) >= 3 and head.endswith(x):
                        f = wf(head[: -len(x)], 0)
                        if f >= m:
                            head, head_freq = head[: -len(x)], f
                            break
            score = min(head_freq, tail_freq)
            if score >= m and score > best_score:
                best, best_score = (head, word[i:]), score
        return best

    def stem_words(self, words: list[str]) -> list[str]:
        """Snowball stems of many words at once (faster than one by one)."""
        return list(self._stemmer.stemWords(words))

    def terms_of_word(self, word: str, decompound: bool = True, stemmed: str | None = None) -> tuple[str, ...]:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        key = word
        stem = self._stemmer.stemWord
        if word[0].isdigit():
            terms: list[str] = [word]
        else:
            terms = [stemmed if stemmed is not None else stem(word)]
        if len(terms) == 1 and len(word) < 9 and "-" not in word:
            return (terms[0],)
        if "-" in word and not word[0].isdigit():
            terms.extend(self.hyphen_parts(word))
            word = word.replace("-", "")
            terms.append(stem(word))
        if decompound and word.isalpha():
            split = self.split_compound(word)
            if split:
                terms.extend(stem(p) for p in split)
                sub = self.split_compound(split[1])
                if sub:
                    terms.extend(stem(p) for p in sub)
        result = tuple(dict.fromkeys(terms))
        if decompound and len(self._cache) < 2_000_000:
            self._cache[key] = result
        return result

    def hyphen_parts(self, word: str) -> tuple[str, ...]:
        """Stems of the parts of a hyphenated word ("gas-arbeitspreis" -> "gas", "arbeitspreis"), stop words left
        out ("kunst-und-kultur"); () for a word without a hyphen and for a number ("2024-01")."""
        if "-" not in word or word[0].isdigit():
            return ()
        return tuple(self._stemmer.stemWord(p) for p in word.split("-") if p and p not in STOPWORDS)

    def clear_cache(self) -> None:
        self._cache.clear()

    def terms(self, text: str) -> list[str]:
        out: list[str] = []
        for w in self.words(text):
            out.extend(self.terms_of_word(w))
        return out

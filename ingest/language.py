"""What the product knows about German council language, in one place for ingest, retrieval, answering and
drafting: sentences, numbers, Drucksache numbers, dates and years, what a question asks for, what a sentence
carries and what form it has (restated question, letterhead, table row), the lines of a paper's overview.

These are facts about the documents and the language (an amount carries a currency, a restated question ends
in "?"), not preferences: how much each of them counts for an answer is learned by the reader
(`assistant.answer.reader`).
"""

from __future__ import annotations

import re
import unicodedata

import Stemmer

from ingest.analyzer import Analyzer

_ANALYZER = Analyzer()
MONTHS = "Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember"

# --- text, sentences, numbers -------------------------------------------------------------------------------
_ABBREVIATIONS = frozenset(
    "nr ca bzw vgl gem abs art dr prof st str tel mio mrd tsd usw etc inkl zzgl ggf evtl bzgl lt sog ziff anl "
    "s top ds b a h r ä u jan feb febr aug sept okt nov dez v i d o z hr fr fa inh bspw insb abt stv co".split()
)
# a sentence ends at . ! ? before a capital; after ? or ! also before a number ("… Anträge? 1.727 offene …")
_CANDIDATE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ„\"(\[])|(?<=[?!])\s+(?=\d)")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = re.sub(r"(\w)-\n(?=[a-zäöüß])", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


# blank lines and list items start a new block; a line starting with a date ("… ist am\n17. Juli 2023.")
# is no numbered item but the wrapped end of a sentence
_BLOCK = re.compile(r"\n\s*\n|\n(?=\s*[-•▪●–]\s)|\n(?=\s*\d{1,2}[.)]\s(?!\s*(?:Januar|Februar|März|April|Mai|Juni|Juli|"
                    r"August|September|Oktober|November|Dezember)\b))")


def split_sentences(text: str) -> list[str]:
    """Sentences of a passage; blank lines and list items are hard boundaries, line wraps are not."""
    out: list[str] = []
    for block in _BLOCK.split(text):
        block = normalise(block)
        if not block:
            continue
        start = 0
        for m in _CANDIDATE.finditer(block):
            before = block[start:m.start()]
            last = re.search(r"(\S+)[.!?]$", before)
            word = last.group(1).lower().lstrip("([„\"'") if last else ""
            if before.endswith(".") and (word in _ABBREVIATIONS or word.isdigit() or len(word) == 1
                                         or re.fullmatch(r"\w\.\w", word)):
                continue  # "Nr. 5", "am 1. Januar", "z. B." do not end a sentence
            if before.strip():
                out.append(before.strip())
            start = m.end()
        if block[start:].strip():
            out.append(block[start:].strip())
    return out


WINDOW_MIN_CHARS = 120  # a window of a passage: consecutive sentences of at least this many characters
WINDOW_MAX_CHARS = 400


def sentence_windows(text: str, min_chars: int = WINDOW_MIN_CHARS, max_chars: int = WINDOW_MAX_CHARS) -> list[str]:
    """A passage as windows of consecutive sentences, each at least `min_chars` long (the last may be shorter) and
    cut at `max_chars`: the units a question is compared with in meaning where one chunk covers several topics (an
    item of minutes' "Weitere Themen", a Vorlage's Sachverhalt), which the chunk's own vector averages away."""
    windows: list[str] = []
    current = ""
    for sentence in split_sentences(text):
        current = f"{current} {sentence}" if current else sentence
        if len(current) >= min_chars:
            windows.append(current[:max_chars])
            current = ""
    if current:
        windows.append(current[:max_chars])
    return windows


def stems(text: str) -> list[str]:
    """The content stems of a text in order, repeats kept (for counting)."""
    return list(_ANALYZER.terms(text))


def content_terms(text: str) -> set[str]:
    """Stems of the content words (the index's analyzer: German Snowball, stop words removed)."""
    return set(_ANALYZER.terms(text))


def numbers_in(text: str) -> set[str]:
    """Numbers as digit strings without thousands separators ("1.200" -> "1200"; "2,5" stays)."""
    out = set()
    for n in _NUMBER.findall(text):
        if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", n):
            n = n.replace(".", "")
        out.add(n)
    return out


# --- Drucksache numbers, dates and years ---------------------------------------------------------------------
REFERENCE = re.compile(
    r"(?<![\w/])(?:DS\s*)?(\d{4}/\d{3,5}(?:/\d+)?|\d{2}-\d{5}(?:-\d{2})?|\d{1,4}/\d{4}|\d{1,4}/\d{2})(?![\w/])",
    re.IGNORECASE,
)


_MONTH_NUMBER = {m: i + 1 for i, m in enumerate(
    "januar februar märz april mai juni juli august september oktober november dezember".split())}
_SEASON = {"frühjahr": (3, 5), "frühling": (3, 5), "sommer": (6, 8), "herbst": (9, 11), "winter": (12, 14),
           "anfang": (1, 3), "mitte": (5, 8), "ende": (10, 12)}
# "seit Ende 2023" / "ab März 2025" start a period that reaches to now: no point in time to favour
POINT_IN_TIME_Q = re.compile(r"(?<!seit )(?<!ab )(?<!nach )\b(frühjahr|frühling|sommer|herbst|winter|anfang|mitte|ende|"
                             + "|".join(_MONTH_NUMBER) + r")\s+((?:19|20)\d\d)\b", re.I)


# a bare year ("Wie viele Menschen haben 2023 ...", "im Jahr 2025"): not a range ("2024/2025", "2022 bis 2024"),
# not the start or end of a period ("seit 2019", "bis 2040")
YEAR_Q = re.compile(r"(?<![\d/.-])(?<!seit )(?<!ab )(?<!bis )(?<!nach )(?<!vor )(?<!zum )((?:19|20)\d\d)(?![\d/-])(?!\s+bis\b)", re.I)


def years_named(text: str) -> list[int]:
    """Bare years a question names (see YEAR_Q); years inside a point in time ("im Herbst 2023") excluded."""
    masked = POINT_IN_TIME_Q.sub(" ", text)
    return sorted({int(m.group(1)) for m in YEAR_Q.finditer(masked)})


def _month_start(year: int, month: int) -> str:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return f"{year:04d}-{month:02d}-01"


def shift_months(date: str, months: int) -> str:
    year, month = int(date[:4]), int(date[5:7])
    return _month_start(year, month + months)


def point_in_time(text: str) -> tuple[str, str] | None:
    """The period [start, end) a question names: ("2024-12-01", "2025-01-01") for "im Dezember 2024", the
    months of a season ("im Herbst 2023": September to November) or of "Anfang/Mitte/Ende 2025"; None
    without such a phrase."""
    m = POINT_IN_TIME_Q.search(text)
    if not m:
        return None
    word, year = m.group(1).lower(), int(m.group(2))
    first, last = (_MONTH_NUMBER[word],) * 2 if word in _MONTH_NUMBER else _SEASON[word]
    return _month_start(year, first), _month_start(year, last + 1)


# a date in digits: "14.10.2025", "14. 10.", "2025-10-14" (the month is the group that matched)
_NUMERIC_DATE = re.compile(r"\b\d{1,2}\.\s?(\d{1,2})\.|\b(?:19|20)\d\d-(\d\d)-\d\d\b")


def months_in_digits(text: str) -> str:
    """The names of the months that dates written in digits name ("am 14.10.2025" -> "Oktober"), so that a
    question's month is found in them."""
    numbers = {int(a or b) for a, b in _NUMERIC_DATE.findall(text)}
    names = MONTHS.split("|")
    return " ".join(names[m - 1] for m in sorted(numbers) if 1 <= m <= 12)


# a Drucksache number announced as one ("Vorlage 2022/2023", "DS 100/2022")
_REFERENCE_CUE = re.compile(r"(?:drucksache|vorlage|ds|nr\.?|antrag|anfrage|stellungnahme)\W{0,3}$", re.I)


def _year_pair(ref: str) -> bool:
    """"2026/2027", "2024/25": two consecutive years (a budget or school year), not a Drucksache."""
    m = re.fullmatch(r"((?:19|20)\d\d)/(\d{2}|\d{4})", ref)
    if m is None:
        return False
    first, second = int(m.group(1)), int(m.group(2))
    return second in (first + 1, (first + 1) % 100)


def find_references(text: str) -> list[str]:
    """Drucksache numbers named in a question ("2024/0015", "25-25182-01", "DS 100/2022"); a year pair
    ("Haushaltsberatungen 2026/2027") only when announced as a Drucksache ("Vorlage 2022/2023") or alone."""
    alone = len(text.strip()) <= 16  # "2022/2023" typed on its own (the drafting input) is a Drucksache
    refs = [m.group(1) for m in REFERENCE.finditer(text)
            if alone or not _year_pair(m.group(1)) or _REFERENCE_CUE.search(text[:m.start(1)])]
    return list(dict.fromkeys(refs))


def base_reference(ref: str) -> str:
    """"25-25182-01" -> "25-25182" (the Anfrage of a Stellungnahme)."""
    m = re.match(r"^(\d{2}-\d{5})-\d{2}$", ref)
    return m.group(1) if m else ref


def version_base(ref: str) -> str:
    """"2025/0891/1" -> "2025/0891", "25-25182-01" -> "25-25182": the Drucksache all versions share."""
    return re.sub(r"^((?:DS\s*)?\d{4}/\d{3,5})/\d+$", r"\1", base_reference(ref), flags=re.IGNORECASE).lower()



# words that make a question a question but say nothing about its topic
QUESTION_NOISE = frozenset(
    content_terms(
        "wie viel viele hoch hohe welche welcher welches was wann wo warum wieso weshalb wer wem wen gibt es "
        "verwaltung stadt antwortet antwort sagt sagte frage fragen bitte information informationen genau "
        "derzeit aktuell eigentlich insgesamt gemeinderat geplant plant gemeinde stand "
        "steht stehen drin inhalt worum geht"
    )
)

# --- what a question asks for -------------------------------------------------------------------------
QUESTION_KINDS: dict[str, re.Pattern[str]] = {
    "money": re.compile(
        r"\b(was|wie viel|wieviel)\s+(kostet|kosten|geld)\b|\bwie\s+teuer\b|\bkosten\w*\b|\b(gebühr|preis|betrag|summe|"
        r"zuschuss|förder|zuwendung|ausgabe|einnahme|budget|miete|euro|finanz|haushalt|mittel)\w*", re.I),
    "count": re.compile(r"\bwie\s*viele?\b|\banzahl\b|\bwie\s+oft\b|\bwie\s+häufig\b", re.I),
    "amount": re.compile(r"\bwie\s+(hoch|groß|gross|lang|lange|stark|weit|breit)\b|\banteil\b|\bprozent\b|\bquote\b", re.I),
    "date": re.compile(r"\b(wann|bis wann|ab wann|seit wann|zeitpunkt|datum|termin|frist|zeitplan|zu welchem zeitpunkt)\b", re.I),
    "company": re.compile(r"\bwelche[rsmn]?\s+(firma|firmen|unternehmen|agentur|büro|dienstleister|auftragnehmer|anbieter|"
                          r"träger|verein|partner)\b", re.I),
    "person": re.compile(r"\b(wer|wem|wen|welche[rsmn]?\s+(person|fraktion|partei|stadtrat|stadträtin|dezernent\w*))\b", re.I),
    "outcome": re.compile(
        r"\b(beschlossen|beschluss|entschieden|abgestimmt|ergebnis|zugestimmt|abgelehnt|gremium|ausschuss|beraten|"
        r"ausgegangen|einverstanden|angenommen|behandelt|geworden|abstimmung|votum|mehrheit)\b|\bwas (ist|wurde) (aus|mit)\b",
        re.I),
    "reason": re.compile(r"\b(warum|weshalb|wieso|weswegen|begründ\w*|grund|gründe|wozu)\b", re.I),
    "place": re.compile(r"\b(wo|wohin|woher|an welche[rmn]? (stelle|ort|standort)|welche[rmn]? (standort|ort|straße)\w*)\b", re.I),
    # a list of papers ("Welche Anträge gab es zu …?"), not of items within one ("Welche Schritte …?")
    "list": re.compile(
        r"\bwelche\s+(\w+\s+)?(vorlagen|anträge|anfragen|drucksachen|dokumente|beschlussvorlagen|informationsvorlagen|"
        r"papiere|stellungnahmen)\b|\b(vorlagen|anträge|anfragen|drucksachen)\s+(gab|gibt)\b", re.I),
    "about_paper": re.compile(r"\b(worum|wovon|titel|thema|was für eine?|welche art|geht es)\b", re.I),
    "request": re.compile(r"\b(beantrag\w*|forder\w*|antrag\w*|anfrage\w*|fragt|wissen|möchte|will|wollen|schlägt|"
                          r"vorschlag\w*)\b", re.I),
}
YEAR = re.compile(r"\b(?:19|20)\d\d\b")


def question_kinds(question: str) -> frozenset[str]:
    """The kinds of answer a question asks for (several at once: "Wann …, und wie viel kostet …?")."""
    return frozenset(kind for kind, pattern in QUESTION_KINDS.items() if pattern.search(question))


# --- what a sentence carries ----------------------------------------------------------------------------
MONEY_S = re.compile(r"\d[\d.,]*\s*(?:€|euro\b|eur\b|mio\b|mio\.|millionen|mrd|milliarden|tsd|t€|teur)|€\s*\d", re.I)
UNIT_S = re.compile(r"\d[\d.,]*\s*(?:%|prozent|v\.\s?h\.|prozentpunkte|punkte|m²|qm|km|meter|tonnen|kwh|mwh|stunden|tage|"
                    r"plätze|stellen|mal\b|-mal\b)", re.I)
DATE_S = re.compile(rf"\b\d{{1,2}}\.\s?(\d{{1,2}}\.|{MONTHS})|\b({MONTHS}|Frühjahr|Sommer|Herbst|Winter|Ende|Anfang|Mitte|"
                    rf"Quartal)\s+(19|20)\d\d\b|\b(19|20)\d\d\b")
# numbers that count nothing: dates, years, paragraphs, paper and agenda numbers
NOT_A_COUNT = re.compile(
    rf"§+\s*\d+\w*(?:\s*(?:abs\.|absatz)\s*\d+)?|\b\d{{1,2}}\.\s?\d{{1,2}}\.(?:\d{{2,4}})?|\b\d{{1,2}}\.\s?(?:{MONTHS})\b"
    r"|\b(?:19|20)\d\d\b|\b(?:Nr|Nummer|TOP|Punkt|Drucksache|Vorlage|Seite|Anlage)\.?\s*\d[\d/.-]*"
    r"|\b\d{4}/\d{3,5}\b|\b\d{2}-\d{5}(?:-\d{2})?\b|(?-i:\b[A-Z]{1,3}\s?\d+\b)", re.I)
_NUMBER_WORDS = (r"zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf|zwanzig|dreißig|hundert|tausend|dutzend|"
                 r"einzige[rn]?|keine[rn]?|kein")
_VAGUE_WORDS = r"einzelne[rn]?|wenige[rn]?|mehrere[rn]?|zahlreiche[rn]?|vereinzelte[rn]?"
NUMBER_WORD = re.compile(rf"\b({_NUMBER_WORDS})\b", re.I)
# "einzelne Verstöße", "wenige Fälle": a count, when it counts the asked noun
VAGUE_COUNT = re.compile(rf"\b({_VAGUE_WORDS})\b", re.I)
COUNT_WORD = re.compile(rf"\b({_NUMBER_WORDS}|{_VAGUE_WORDS})\b", re.I)
# a named company: a legal form, or "Firma"/"Agentur"/"Büro" before a name ("eine externe Agentur" names none)
COMPANY_NAME = re.compile(r"\b(GmbH|AG|KG|mbH|GbR|SE|e\.\s?K\.|Inh\.)(?!\w)|\b(Firma|Agentur|Büro|Ingenieurbüro):?\s+[A-ZÄÖÜ0-9„\"]")
COMPANY_S = re.compile(r"\b(GmbH|AG|KG|mbH|GbR|SE|e\.\s?V\.|e\.\s?K\.|Inh\.|eG)(?!\w)|\b(Firma|Agentur|Büro|Ingenieurbüro|"
                       r"Verein|Stiftung|Gesellschaft|Träger)\b")
PERSON_S = re.compile(r"\b(Herr|Frau|Dr\.|Bürgermeister\w*|Oberbürgermeister\w*|Dezernent\w*|Stadtr[aä]t\w*|Fraktion|"
                      r"Amt|Dezernat|Dienststelle|Fachbereich|zuständig\w*)\b")
OUTCOME_S = re.compile(r"Ergebnis:|beschlossen|zugestimmt|abgelehnt|Kenntnis|einverstanden|Dafür:\s*\d|einstimmig|"
                       r"mehrheitlich|Gegenstimme|Enthaltung|vertagt|verwiesen|angenommen", re.I)
REASON_S = re.compile(r"\b(weil|da\b|denn\b|aufgrund|wegen|deshalb|daher|darum|Grund|Gründe|begründet|zurückzuführen|"
                      r"somit|um\s+\w+\s+zu)\b", re.I)
PLACE_S = re.compile(r"\b(Straße|Str\.|Platz|Weg|Allee|Ring|Gelände|Standort|Stadtteil|Ortsteil|Grundstück|Flurstück|"
                     r"in der|im Bereich|nördlich|südlich|östlich|westlich)\b")
# a Beratung line of an overview whose result decides something (not "Kenntnisnahme", not a step)
DECISIVE_S = re.compile(
    r"^Beratung:.*Ergebnis:\s*(?!.*(?:Kenntnis|Beratung im|vorberaten|keine Abstimmung|siehe oben))"
    r".*\b(beschlossen|zugestimmt|abgelehnt|erledigt|vertagt|zurückgezogen|einverstanden|zustimmung|gewählt|"
    r"einstimmig|mehrheitlich|verwiesen)", re.I)


def sentence_values(sentence: str) -> frozenset[str]:
    """The kinds of value a sentence carries, in the vocabulary of `question_kinds`."""
    found = set()
    if MONEY_S.search(sentence):
        found.add("money")
    rest = NOT_A_COUNT.sub(" ", sentence)
    if re.search(r"\d", rest) or COUNT_WORD.search(rest):
        found.add("count")
    if UNIT_S.search(sentence) or MONEY_S.search(sentence):
        found.add("amount")
    if DATE_S.search(sentence):
        found.add("date")
    if COMPANY_S.search(sentence):
        found.add("company")
    if PERSON_S.search(sentence):
        found.add("person")
    if OUTCOME_S.search(sentence):
        found.add("outcome")
    if REASON_S.search(sentence):
        found.add("reason")
    if PLACE_S.search(sentence):
        found.add("place")
    return frozenset(found)


# --- what a number counts ------------------------------------------------------------------------------------
_STEMMER = Stemmer.Stemmer("german")
_COUNT_TOKEN = re.compile(r"\d[\d.,]*|[^\W\d_][\w*]*", re.UNICODE)
_MONEY_AMOUNT = re.compile(r"\d[\d.,]*\s*(?:€|eur\b|euro\b)", re.I)
_SHARE = re.compile(r"\d[\d.,]*\s*(?:%|prozent\b)", re.I)


def same_noun(stem: str, noun: str) -> bool:
    """Compound-tolerant: "beutel" ~ "hundekotbeutel", "mietwohnung" ~ "wohnung" (the head noun is last)."""
    short, long_ = sorted((stem, noun), key=len)
    return len(short) >= 4 and long_.endswith(short)


def noun_stem(word: str) -> str:
    """The stem a counted noun is compared by ("Todesfälle" -> "todesfall"; a gender star's ending dropped)."""
    return _STEMMER.stemWord(word.split("*")[0].lower())


def has_figure(sentence: str) -> bool:
    """A number that is not a date, a year, a paragraph or a paper number ("in 14 Liegenschaften", "5.530.700 Euro")."""
    return any(ch.isdigit() for ch in NOT_A_COUNT.sub(" ", REFERENCE.sub(" ", sentence)))


def announces_nothing(sentence: str) -> bool:
    """A lead-in that ends in ":" and states no figure ("… nimmt die Verwaltung wie folgt Stellung:"): without what it
    announces after it, it says nothing."""
    return sentence.rstrip().endswith(":") and not has_figure(sentence)


def counts_noun(sentence: str, noun: str, vague: bool = False) -> bool:
    """A number (or number word; with `vague` also "einzelne", "wenige", …) followed within four words by the
    counted noun (its `noun_stem`): "insgesamt 24 Stationen", "lediglich
    einzelne Verstöße". Dates, years, paragraphs and paper numbers count nothing."""
    tokens = _COUNT_TOKEN.findall(NOT_A_COUNT.sub(" ", sentence))
    for i, tok in enumerate(tokens):
        loose = vague and VAGUE_COUNT.fullmatch(tok)
        if tok[0].isdigit() or NUMBER_WORD.fullmatch(tok) or loose:
            for nxt in tokens[i + 1:i + (3 if loose else 5)]:  # "einzelne [neue] Verstöße"
                if not nxt[0].isdigit() and same_noun(noun_stem(nxt), noun):
                    return True
    return False


def counts_other_nouns(sentence: str, noun: str) -> bool:
    """Every number of the sentence counts a named thing that is not `noun` ("24 Stationen" when the question
    counts Hundekotbeutel; "15.993,00 €" when it counts people); a bare number ("insgesamt 24.") counts nothing in
    particular."""
    text = NOT_A_COUNT.sub(" ", sentence)
    if noun != "euro":
        text = _MONEY_AMOUNT.sub(" 1 Geldbetrag ", text)
    if noun not in {"prozent", "anteil"}:
        text = _SHARE.sub(" 1 Anteil ", text)
    tokens = _COUNT_TOKEN.findall(text)
    counted = [tokens[i + 1] for i, tok in enumerate(tokens[:-1]) if tok[0].isdigit() or NUMBER_WORD.fullmatch(tok)]
    nouns = [t for t in counted if t[0].isupper()]
    return bool(counted) and len(nouns) == len(counted) and not any(same_noun(noun_stem(t), noun) for t in nouns)


# --- the form of a sentence --------------------------------------------------------------------------------
# an Anfrage's question repeated as a heading ("1. Wie oft wurde …", "2. welche Schritte die Stadt …")
QUESTION_LIKE = re.compile(
    r"^(?:\d{1,2}[.)]\s*|[a-z][.)]\s+)?(?:\w+\s+){0,2}?(?:wie|wieviel|welche[rsmn]?|was|wann|wo|wer|warum|weshalb|wieso|"
    r"inwiefern|inwieweit|ob|bis wann|seit wann|aus welchen)\b", re.I)
_LABEL = re.compile(r"\b[A-ZÄÖÜ][\w.\-]*\s?:(?=\s)")
_HEAD_LABEL = re.compile(r"\b(?:Vorlage\s*Nr\.|Verantwortlich|Dienststelle|Eingang|Drucksache(?:n-Nr\.)?|Beratungsfolge|"
                         r"Federführung|Aktenzeichen|Az\.)\s?:", re.I)
# fixed parts of a Vorlage template that run into the title sentence (consultation table header, printer's note)
_TEMPLATE = re.compile(r"Gremien\s+Termin\s+TOP|Ö\s*/\s*N\s+Zuständigkeit|Gedruckt auf 100 Prozent Recyclingpapier", re.I)
# a minutes' agenda heading ("Punkt 2 der Tagesordnung: Oberwaldbad"): the item's title, not a statement about it
AGENDA_HEADING = re.compile(r"(?:Punkt\s+\d+\s+der\s+Tagesordnung|Tagesordnungspunkt\s+\d+|TOP\s+\d+(?:\.\d+)*)\s*:", re.I)
SUMMARY_SECTION = re.compile(r"^\s*(Kurzfassung|Zusammenfassung)\b", re.I)
# a file that asks (an Anfrage, an Antrag) rather than answers: its text restates the question
REQUEST_FILE = re.compile(r"^\s*(?!.*stellungnahme)(?:top\s*\S+\s+)?(anfrage|antrag|änderungs|ergänzungs|interfraktionell)",
                          re.I)
_WORDS = re.compile(r"[^\W\d_][\w\-]*", re.UNICODE)
LIST_MARK = re.compile(r"^(?:[-•▪●–]\s*)+")
# a section heading the text layer glued to the sentence after it ("Kurzfassung Die Krähen …")
HEADING_LEAD = re.compile(r"^(?:(?:Kurzfassung|Erläuterungen?|Sachverhalt|Begründung|Zusammenfassung|Sachstand|Anlass)"
                          r"(?:\s*\|\s*|\s+))+(?=[A-ZÄÖÜ„\"])")


def prose_share(sentence: str) -> float:
    """Share of lowercase words: German prose has verbs and function words, headers and letterheads hardly any."""
    words = _WORDS.findall(sentence)
    return sum(1 for w in words if w[0].islower()) / len(words) if words else 0.0


def label_count(sentence: str) -> int:
    """ "Label:" fields of a form row or letterhead."""
    return len(_LABEL.findall(sentence))


def is_form_like(sentence: str) -> bool:
    """Letterhead, table header or title line: hardly any lowercase words, or several "Label:" fields."""
    return prose_share(sentence) < 0.2 or label_count(sentence) >= 2


_SPEAKER = re.compile(r"\b(?:ich|wir|mir|mich|uns|unser\w*|mein\w*)\b", re.I)


def is_speech(sentence: str) -> bool:
    """A speaker's words in first person ("Wir finanzieren so …", "Meine Fraktion hat …"): minutes of a debate,
    not what a paper states."""
    return bool(_SPEAKER.search(sentence))


def is_letterhead(sentence: str) -> bool:
    """A paper's head ("Vorlage Nr.: 2026/0355 Verantwortlich: Dez. 2 …") or a fixed part of its template."""
    return len(_HEAD_LABEL.findall(sentence)) >= 2 or bool(_TEMPLATE.search(sentence))


def is_question_like(sentence: str, section: str = "") -> bool:
    """A restated question or the chunk's section heading (which in a Stellungnahme is the question): it ends in
    "?", or it is a numbered question ("2. welche Schritte die Stadt plant") or a question word heading without
    a full stop. A statement that starts with a question word ("Wie bereits oben beschrieben, …") is none."""
    s = sentence.rstrip()
    if s.endswith("?"):
        return True
    if section and len(section) >= 20 and normalise(s)[:40].casefold() == normalise(section)[:40].casefold():
        return True
    if not QUESTION_LIKE.match(s) or len(s) >= 400:
        return False
    numbered = bool(re.match(r"^(?:\d{1,2}[.)]|[a-z][.)])\s", s))
    return (numbered or not s.endswith(".")) and not re.search(r"\b(wird|werden|wurde|wurden|ist|sind|hat|haben)\s*[.:]?$", s)


# stems of strong verbs that the stemmer keeps apart from their infinitive ("empfiehlt" / "empfehlen")
_VERB_FORMS = {
    "empfiehlt": "empfehl", "empfohl": "empfehl", "nimmt": "nehm", "genomm": "nehm", "tragt": "trag",
    "getrag": "trag", "schlagt": "schlag", "vorgeschlag": "vorschlag", "spricht": "sprech", "gesproch": "sprech",
    "sieht": "seh", "geseh": "seh", "liegt": "lieg", "steigt": "steig", "gestieg": "steig", "lauft": "lauf",
    "gelauf": "lauf", "entschied": "entscheid", "bekommt": "bekomm", "gegeb": "geb", "bleibt": "bleib",
    "geblieb": "bleib", "betragt": "betrag", "betrug": "betrag", "gefund": "find", "fand": "find", "stieg": "steig",
    "beginnt": "beginn", "begonn": "beginn", "begann": "beginn", "gilt": "gelt", "galt": "gelt", "gegolt": "gelt",
    "schreibt": "schreib", "geschrieb": "schreib", "schrieb": "schreib", "schliesst": "schliess",
    "geschloss": "schliess", "trifft": "treff", "getroff": "treff", "traf": "treff", "gegang": "geh", "ging": "geh",
    "kommt": "komm", "gekomm": "komm", "kam": "komm", "erhielt": "erhalt", "zieht": "zieh", "gezog": "zieh",
    "zog": "zieh", "hilft": "helf", "geholf": "helf", "wirft": "werf", "geworf": "werf",
}


def sentence_terms(text: str) -> set[str]:
    """Content stems of a text, with the forms of common strong verbs joined."""
    return {_VERB_FORMS.get(t, t) for t in content_terms(text)}


_WORD = re.compile(r"\S+")


def noun_terms(text: str) -> set[str]:
    """Stems of the nouns and years of a German text — the things a question asks about, as against the verbs and
    adverbs people word it with ("vertreiben", "derzeit"), which an answer rarely repeats. German capitalises every
    noun; a capitalised word that begins a sentence may be any word and does not count."""
    words: list[str] = []
    starts = True
    for token in _WORD.findall(text):
        word = token.strip("?!.,;:()„“\"'»«")
        if word and not starts and word[0].isupper():
            words.append(word)
        starts = token.endswith((".", "?", "!", ":"))
    return sentence_terms(" ".join(words)) | set(YEAR.findall(text))


def overview_units(text: str) -> list[str]:
    """Lines of a paper's overview chunk: title, type and date as one identity line, then the other fields; a
    Beratung line that names its committee only by an unresolved URL and records no result says nothing."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    head = 1
    while head < min(3, len(lines)) and (re.search(r"\bDrucksache\b", lines[head]) or lines[head].startswith("Datum:")):
        head += 1
    rest = [ln for ln in lines[head:] if not ln.startswith("Dokumente:")
            and not (ln.startswith("Beratung:") and "http" in ln and "Ergebnis" not in ln)]
    return ([" ".join(lines[:head])] if lines else []) + rest

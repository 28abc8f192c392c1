"""The API over a real server: credentials, the access matrix, request limits, the OpenAPI description."""

from __future__ import annotations

import json

import httpx

from ingest.records import Access
from tests.assistant.conftest import LAND_SALE_QUESTION, PERSONNEL_QUESTION
from tests.assistant.server.conftest import PASSWORDS, Running, basic

SECRETS = {"council": ("1.234.567", "2026/9001", LAND_SALE_QUESTION), "staff": ("Musterfrau", "2026/9002", PERSONNEL_QUESTION)}


def test_without_credentials_the_api_answers_401_and_no_text(running: Running) -> None:
    for auth in (None, httpx.BasicAuth("ratsfrau", "falsch-falsch"), httpx.BasicAuth("niemand", "x" * 10)):
        r = httpx.post(f"{running.url}/api/ask", json={"question": LAND_SALE_QUESTION}, auth=auth, timeout=30)
        assert r.status_code == 401 and "1.234.567" not in r.text and "Rheinhafen" not in r.text
    bad_token = httpx.get(f"{running.url}/api/status", headers={"Authorization": "Bearer rat_erfunden"}, timeout=30)
    assert bad_token.status_code == 401
    assert httpx.get(f"{running.url}/", follow_redirects=False, timeout=30).headers["location"] == "/login"


def test_the_access_matrix_through_the_api(running: Running) -> None:
    """role x level, asked in words and by the Drucksache number."""
    matrix: dict[tuple[str, str], bool] = {}
    for name, (_password, role) in PASSWORDS.items():
        for level, (secret, reference, question) in SECRETS.items():
            seen = []
            for asked in (question, f"Was steht in der Drucksache {reference}?"):
                r = httpx.post(f"{running.url}/api/ask", json={"question": asked}, auth=basic(name), timeout=60)
                assert r.status_code == 200, r.text
                shown = json.dumps({k: v for k, v in r.json().items() if k not in ("question", "standalone_query")},
                                   ensure_ascii=False)
                seen.append(reference in shown)
                if not role.allows(level):
                    assert secret not in shown and reference not in shown, (name, level, asked)
            matrix[(role.value, level)] = all(seen)
    assert matrix == {("public", "council"): False, ("public", "staff"): False, ("council", "council"): True,
                      ("council", "staff"): False, ("staff", "council"): True, ("staff", "staff"): True}


def test_a_token_signs_in_and_the_answer_has_the_ask_json_schema(running: Running) -> None:
    token = running.accounts.new_token("ratsfrau")
    r = httpx.post(f"{running.url}/api/ask", headers={"Authorization": f"Bearer {token}"}, timeout=60,
                   json={"question": LAND_SALE_QUESTION, "filters": {"body": "Karlsruhe"}, "history": [],
                         "mode": "extractive"})
    assert r.status_code == 200
    answer = r.json()
    assert answer["schema_version"] == 1 and not answer["refused"] and "1.234.567" in answer["text"]
    cited = [c for c in answer["citations"] if c["reference"] == "2026/9001"]
    assert cited and cited[0]["access"] == "council"  # the card tells that it is not public
    assert "<" not in answer["text"]  # text, never HTML
    status = httpx.get(f"{running.url}/api/status", headers={"Authorization": f"Bearer {token}"}, timeout=30).json()
    assert status["role"] == "council" and status["access"]["council"] == 1
    audit = [json.loads(line) for line in running.audit.read_text(encoding="utf-8").splitlines()]
    assert any(e["user"] == "ratsfrau" and e["question"] == LAND_SALE_QUESTION and e["channel"] == "api" for e in audit)


def test_request_limits_give_clear_4xx_and_the_server_goes_on(running: Running) -> None:
    url, auth = f"{running.url}/api/ask", basic("buergerin")
    long = httpx.post(url, json={"question": "Warum " * 400}, auth=auth, timeout=30)
    assert long.status_code == 422 and "question" in long.text and "Warum Warum" not in long.text
    big = httpx.post(url, content=b'{"question": "' + b"a" * 70_000 + b'"}', auth=auth, timeout=30,
                     headers={"Content-Type": "application/json"})
    assert big.status_code == 413 and "64 kB" in big.json()["detail"]
    junk = httpx.post(url, content=bytes(range(256)) * 8, auth=auth, timeout=30,
                      headers={"Content-Type": "application/json"})
    assert junk.status_code == 400
    broken = httpx.post(url, content=b'{"question": ', auth=auth, timeout=30, headers={"Content-Type": "application/json"})
    assert broken.status_code == 422
    unknown = httpx.post(url, json={"question": "Was kostet das?", "role": "staff"}, auth=auth, timeout=30)
    assert unknown.status_code == 422  # nobody raises their own level through the request
    bad_date = httpx.post(url, json={"question": "Was kostet das?", "filters": {"date_from": "gestern"}}, auth=auth,
                          timeout=30)
    assert bad_date.status_code == 422 and "JJJJ-MM-TT" in bad_date.text
    after = httpx.post(url, json={"question": LAND_SALE_QUESTION}, auth=auth, timeout=60)
    assert after.status_code == 200 and "1.234.567" not in after.text


def test_openapi_describes_the_api(running: Running) -> None:
    spec = httpx.get(f"{running.url}/api/openapi.json", timeout=30).json()
    assert "/api/ask" in spec["paths"] and "/api/status" in spec["paths"]
    assert spec["components"]["schemas"]["AskRequest"]["properties"]["question"]["maxLength"] == 2000
    assert Access.STAFF.value not in json.dumps(spec["components"]["schemas"]["AskRequest"])

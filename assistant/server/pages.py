"""The login page, in German, without scripts or third-party resources."""

from __future__ import annotations

import html

LOGIN = """<!doctype html>
<html lang="de"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Anmelden – Ratsinfo-Assistent</title>
<style>
body {{ font-family: system-ui, "Segoe UI", Roboto, sans-serif; background: #f6f7f9; margin: 0; }}
main {{ max-width: 22rem; margin: 12vh auto; background: #fff; padding: 2rem; border-radius: 8px;
        box-shadow: 0 1px 4px rgba(0,0,0,.12); }}
h1 {{ font-size: 1.3rem; margin: 0 0 1rem; }}
label {{ display: block; margin: .8rem 0 .2rem; }}
input {{ width: 100%; box-sizing: border-box; padding: .5rem; font-size: 1rem; }}
button {{ margin-top: 1.2rem; width: 100%; padding: .6rem; font-size: 1rem; background: #2563eb; color: #fff;
          border: 0; border-radius: 4px; cursor: pointer; }}
.fehler {{ color: #b91c1c; margin: .5rem 0 0; }}
.hinweis {{ color: #555; font-size: .85rem; margin-top: 1.2rem; }}
</style></head>
<body><main>
<h1>Ratsinfo-Assistent</h1>
<form method="post" action="/login">
<label for="name">Benutzername</label><input id="name" name="name" autocomplete="username" required autofocus>
<label for="passwort">Passwort</label>
<input id="passwort" name="password" type="password" autocomplete="current-password" required>
{message}
<button type="submit" id="anmelden">Anmelden</button>
</form>
<p class="hinweis">Zugang über die Verwaltung. Nichtöffentliche Unterlagen sehen nur Ratsmitglieder und Verwaltung.</p>
</main></body></html>"""

SIGNED_OUT = "Sie sind abgemeldet."
WRONG = "Benutzername oder Passwort ist falsch."


def login_page(message: str = "", error: bool = False) -> str:
    note = f'<p class="{"fehler" if error else "hinweis"}" id="meldung">{html.escape(message)}</p>' if message else ""
    return LOGIN.format(message=note)

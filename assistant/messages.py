"""What the assistant says when it does not answer from the sources (German, as users read it)."""

REFUSAL = "Die vorliegenden Dokumente beantworten diese Frage nicht."
FALLBACK_UNSUPPORTED = "Die Antwort des Sprachmodells ließ sich nicht mit den Quellen belegen. Antwort aus den Quellen:"
FALLBACK_DECLINED = "Das Sprachmodell fand in den Quellen keine Antwort. Antwort aus den Quellen:"
# the best-matching paper has only its metadata (title, type, date, consultations) in the index, no text
NO_TEXT = "Die passendste Vorlage liegt nur mit Titel und Daten vor, ohne ihren Text."
EMPTY_INDEX = "Der Index ist leer. Bitte zuerst Dokumente einlesen (council ingest demo)."

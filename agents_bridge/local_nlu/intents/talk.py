"""Talk that is not a request: help, greetings, thanks, "how are you", "who are you"; and "undo".

SMALL_TALK is read against a whole message (or a clause that no request rule took); UNDO is a
clause rule.
"""

import re

from ..text import STOPWORDS
from .actions import Action
from .rules import rule
from .vocabulary import TODO_VERBS, is_pleasantry

_HELP = re.compile(
    r"^(?:help(?:\s+me)?|\?+|what\s+can\s+(?:you|u)\s+(?:do|help\s+with)|what\s+do\s+you\s+do|how\s+does\s+(?:this|it)\s+work|"
    r"how\s+do\s+i\s+use\s+(?:this|you|it)|commands|what\s+are\s+(?:the|your)\s+commands|what\s+can\s+i\s+(?:say|ask|do)|"
    r"how\s+do\s+you\s+work|instructions|menu|options|what\s+are\s+you\s+able\s+to\s+do|usage|examples?)$"
)
_GREETING = re.compile(
    r"^(?:hi|hello|hey|hiya|howdy|yo|sup|hey\s+there|hello\s+there|hi\s+there|good\s+(?:morning|afternoon|evening|day)|"
    r"greetings|morning|evening|hola|bonjour|salut)(?:\s+(?:there|buddy|friend|assistant|bot))?$"
)
_THANKS = re.compile(
    r"^(?:thanks?(?:\s+(?:a\s+lot|so\s+much|again|mate|buddy))?|thank\s+(?:you|u)(?:\s+(?:so|very)\s+much|\s+again)?|"
    r"cheers|ta|much\s+appreciated|appreciate\s+it|great|perfect|awesome|nice|cool|ok|okay|k|kk|got\s+it|alright|good|"
    r"sounds\s+good|lol|haha+|great\s+thanks|wonderful|excellent|brilliant|fine|sure|noted|neat|amazing|love\s+it)$"
)
_HOW_ARE_YOU = re.compile(r"^how\s+(?:are|r)\s+(?:you|u)|^how's\s+it\s+going|^how\s+is\s+it\s+going|^what'?s\s+up$")
_WHO = re.compile(r"^(?:who|what)\s+(?:are|r)\s+(?:you|u)\b|^are\s+you\s+(?:a\s+)?(?:bot|human|real|ai)")

# (topic, pattern), in order: the first that matches names the topic (planner phrasing.SMALL_TALK answers it).
SMALL_TALK = [("help", _HELP), ("greet", _GREETING), ("thanks", _THANKS), ("how_are_you", _HOW_ARE_YOU), ("who", _WHO)]


def classify_small_talk(low: str) -> str | None:
    if re.fullmatch(r"\s*\?+\s*", low):
        return "help"
    low = re.sub(r"[\s!.,?]+$", "", low.strip())
    if not low:
        return "empty"
    if is_pleasantry(low):
        return "thanks"  # "cheers mate, much appreciated"
    return next((topic for topic, pattern in SMALL_TALK if pattern.match(low)), None)


# ---------------------------------------------------------------- other languages
#
# The offline model reads English only. A message in another language gets a plain answer that
# says so and names the settings for a hosted model; it is never offered back as a task title.
# Words that mark a sentence as Spanish, German, French, Italian, Portuguese or Dutch and are not
# English words (so "add pagar la luz" stays an English request with a Spanish title).
_FOREIGN_WORDS = frozenset(
    """pon poner ponme añade añadir agrega agregar recuérdame recuerdame recordar borra borrar elimina eliminar
    marca muestra muéstrame mis tareas tarea hoy mañana manana los las del por favor para con qué que llamar comprar
    pagar luz leche pan lunes martes miércoles jueves viernes sábado domingo médico cita es está hacer tengo
    erinnere erinnern mich mir meine meiner meinen heute morgen füge hinzu hinzufügen lösche löschen zeige zeig
    steht liste aufgabe aufgaben bitte ich nicht und ist kaufen arzttermin milch anrufen termin erledigt noch
    ajoute ajouter rappelle rappelle-moi moi demain aujourd'hui du les des une je dois faire qu'est-ce est pour avec
    acheter supprime montre mes tâches tâche appeler rendez-vous
    ricordami aggiungi di il chiamare mamma domani oggi cosa devo fare mia mio compra della comprare cancella mostra
    lembre lembre-me lembrar adicione adiciona conta água hoje amanhã minha meu tarefa tarefas ligar
    voeg toe boodschappen doen herinner mij vandaag het een mijn taak taken van morgen
    la el un una ein eine einen schreib schreibe erinnerung mesa""".split()
)
# Words that only an English sentence has (words shared with those languages, like "a", "me"
# or "do", are left out of both lists).
_ENGLISH_WORDS = (
    frozenset(
        """the to my and please is are what show list of for with i it on at task tasks due today tomorrow remind add
        can you could would will need have has get got done mark delete remove complete when where which how this that
        these those all your our we they be been was were not don't i'm i've it's what's new call buy pay""".split()
    )
    | TODO_VERBS
    | STOPWORDS
) - {"a", "me", "do", "an", "den", "die", "was", "pan", "con", "es", "de"}
_NON_LATIN = re.compile(r"[\u0370-\u03ff\u0400-\u04ff\u0590-\u05ff\u0600-\u06ff\u0900-\u097f\u0e00-\u0e7f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def other_language(low: str) -> bool:
    """A message written in another language than English (a guess from its words and script)."""
    letters = [c for c in low if c.isalpha()]
    if letters and sum(1 for c in letters if _NON_LATIN.match(c)) > len(letters) / 2:
        return True
    words = sorted(set(re.findall(r"[^\W\d_]+(?:['-][^\W\d_]+)*", low)))  # each word once: "la la land"
    if not words:
        return False
    english = sum(1 for w in words if w in _ENGLISH_WORDS)
    foreign = sum(1 for w in words if w in _FOREIGN_WORDS or any(p in _FOREIGN_WORDS for p in re.split(r"['-]", w)))
    return english == 0 and (foreign >= 2 or (foreign == 1 and len(words) == 1 and words[0] not in _GREETING_WORDS and words[0] not in ("la", "el", "un")))


_GREETING_WORDS = frozenset({"hola", "bonjour", "salut", "hallo", "ciao", "olá"})


UNDO = rule(
    "undo",
    # "undo that", "take that back", "no, put it back": the last turn that changed tasks, whole.
    r"^(?:please\s+)?(?:undo|revert|reverse|take\s+(?:that|it|this|them)\s+back|(?:put|bring)\s+(?:it|that|them|those|everything|it\s+all)\s+back)"
    r"(?:\s+(?:that|it|the\s+last\s+(?:one|thing|change|turn)|this|please|again))?$",
    lambda match, reading: Action("undo"),
)

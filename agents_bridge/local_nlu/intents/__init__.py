"""From one chat message to a list of actions on the todo list.

The message is cleaned (typos, shorthand), quoted text is set aside as literal data, then it is
split into clauses ("add X and complete Y", "Add X. Then show Z") and each clause is read on its
own by the rule tables below. Task references stay as words here; matching them to real tasks is
the planner's job, which does it through the list_tasks tool like an LLM would.

The tables, in the order a clause is tried (the first rule whose pattern matches and whose
builder accepts wins; see rules.first_action):

1. talk.UNDO         "undo", "take that back", "put it back" (before "put it back" can read as
                     reopening a task)
2. state.BULK        "delete completed tasks", "delete everything" (before anything that deletes one task)
2b. labels.RULES     "show my work tasks", "label X as work", "remove the work label from X",
                     "stop repeating X", "make X repeat every week" (before "add ..." reads
                     "add the work label to X" as a new task)
3. add.ADD_COMMAND   "add ...", "remind me to ...", "urgent: ..." (a new task, whatever follows)
   add.INTENT        "I always forget to stretch" (offers "Stretch"; a request inside is read as one)
   listing.ASK_ABOUT "when's the vet appointment?", "is the rent paid?" (questions about one task)
4. update.RULES      notes, due dates, titles, priorities, rescheduling (before "done"/"delete":
                     "move X to done" is not a completion, "drop the priority of X" not a delete)
5. add.NEED_TO       "I need to ..." (another request in disguise, else a new task)
6. state.RULES       complete, reopen, delete one or more named tasks
7. listing.LIST      questions about the list
8. add.BARE_TODO     "buy flowers for anna tomorrow": a todo verb first, read as a new task
9. state.REPORTED_DONE "I called the plumber": a past tense, read as done

Before any of that the whole message is read against MESSAGE_RULES (a title typed literally,
`add fix "login"; deploy -- v2 (prod)`, is one title and never clauses), and a message in another
language gets a plain answer (talk.other_language): the offline model reads English only.

A new phrasing is one row in the table it belongs to, plus one eval case (chat/evals).
"""

from ...confirmation import is_no, is_yes
from ..text import lower_same_length, protect_quotes, repair, restore_quotes
from . import add, labels, listing, state, talk, update
from .actions import Action, AddItem, Clause, Clock, Ref
from .add import parse_add
from .clauses import split_clauses
from .rules import Reading, first_action
from .vocabulary import is_pleasantry

__all__ = ["Action", "AddItem", "Clock", "Ref", "parse_message", "read_clause"]

MESSAGE_RULES = [add.LITERAL_TITLE]

CLAUSE_RULES = [
    talk.UNDO,
    *state.BULK,
    *labels.RULES,
    add.ADD_COMMAND,
    *add.INTENT,
    *listing.ASK_ABOUT,
    *update.RULES,
    add.NEED_TO,
    *state.RULES,
    listing.LIST,
    add.BARE_TODO,
    state.REPORTED_DONE,
]


def read_clause(clause: Clause, clock: Clock, quoted: list[str]) -> Action | None:
    """One clause to one action, or None when it is not a request we recognise."""
    if not clause.low:
        return None
    reading = Reading(clause, clock, quoted, read_again=lambda part: read_clause(part, clock, quoted))
    return first_action(CLAUSE_RULES, reading)


def parse_message(text: str, clock: Clock) -> tuple[list[Action], list[str]]:
    """All the actions in one user message, in order, plus the literal quoted strings."""
    typed = Clause(text.strip(), lower_same_length(text.strip()))
    literal = first_action(MESSAGE_RULES, Reading(typed, clock, [], read_again=lambda part: None))
    if literal is not None:
        return [literal], []
    repaired = repair(text.strip())
    protected, quoted = protect_quotes(repaired)
    low = lower_same_length(protected)
    if is_yes(low):
        return [Action("small_talk", topic="yes")], quoted
    if is_no(low):
        return [Action("small_talk", topic="no")], quoted
    topic = talk.classify_small_talk(low)
    if topic:
        return [Action("small_talk", topic=topic)], quoted
    if talk.other_language(typed.low):  # as typed: the typo repairs would make "doen" English
        return [Action("small_talk", topic="other_language")], quoted
    actions: list[Action] = []
    for clause in split_clauses(protected):
        action = read_clause(clause, clock, quoted)
        if action is None:
            topic = talk.classify_small_talk(clause.low)
            if topic in ("thanks", "greet") or is_yes(clause.low) or is_no(clause.low) or is_pleasantry(clause.low):
                continue
            # "add call mom and set up the printer": an unrecognised piece after an add is another task.
            if actions and actions[-1].kind in ("add", "add_bare"):
                items = parse_add(clause, clock, quoted)
                if items:
                    actions[-1].items.extend(items)
                    continue
            action = Action("unknown", topic=restore_quotes(clause.orig, quoted))
        actions.append(action)
    if not actions:
        actions.append(Action("small_talk", topic="empty"))
    return actions, quoted

"""Personas as data: `personas/<id>.yaml`, validated by the `Persona` model."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Protocol

from pydantic import AfterValidator, Field, RootModel, field_validator, model_validator

from evaluators.skills import Flag, Skill
from hotseat.datafiles import StrictModel, closest, load_yaml_model
from hotseat.errors import PersonaError
from hotseat.templating import check_placeholders, render


class Reaction(StrEnum):
    """What the scripted customer reacts to: one set of persona lines per reaction."""

    FELT_HEARD = "felt_heard"
    MISHEARD = "misheard"
    APOLOGY_OWNED = "apology_owned"
    NON_APOLOGY = "non_apology"
    POLICY = "policy"
    ACCUSED = "accused"
    TRANSACTIONAL = "transactional"
    TOO_SOON = "too_soon"
    SOLUTION_WELCOME = "solution_welcome"
    VALUES_CONNECTED = "values_connected"
    DOUBLESPEAK = "doublespeak"
    ANSWERS_QUESTION = "answers_question"
    STILL_UPSET = "still_upset"
    INJECTION = "injection"
    REPEATED = "repeated"
    IGNORED_QUESTION = "ignored_question"
    OTHER_LANGUAGE = "other_language"
    WON_BACK = "won_back"
    WALK_AWAY = "walk_away"
    TURN_LIMIT = "turn_limit"

    @property
    def meaning(self) -> str:
        """What the trainee did (or how the conversation ended) to draw this reaction, in words."""
        return _REACTION_MEANINGS[self]


_REACTION_MEANINGS: dict[Reaction, str] = {
    Reaction.FELT_HEARD: "the trainee restated or validated what they said accurately",
    Reaction.MISHEARD: "the trainee's paraphrase distorted what they said",
    Reaction.APOLOGY_OWNED: "a genuine apology that owns the mistake",
    Reaction.NON_APOLOGY: 'a non-apology ("sorry you feel that way", "any inconvenience")',
    Reaction.POLICY: "the trainee hid behind policy",
    Reaction.ACCUSED: "the trainee doubted, blamed or talked down to them",
    Reaction.TRANSACTIONAL: "they were treated as a sale, not a relationship",
    Reaction.TOO_SOON: "a fix was offered before they felt heard",
    Reaction.SOLUTION_WELCOME: "a fix or choices offered once they feel heard",
    Reaction.VALUES_CONNECTED: "the trainee tied the fix to what they value long-term",
    Reaction.DOUBLESPEAK: "corporate jargon",
    Reaction.ANSWERS_QUESTION: "an open question: they tell more of their story",
    Reaction.STILL_UPSET: "nothing the trainee said moved them",
    Reaction.INJECTION: "the trainee spoke to the machine, not to them (they stay in character, puzzled)",
    Reaction.REPEATED: "the trainee said the same thing again",
    Reaction.IGNORED_QUESTION: "the trainee did not answer the question they asked (they ask it again)",
    Reaction.OTHER_LANGUAGE: "the trainee wrote in another language (they ask for English)",
    Reaction.WON_BACK: "goodbye: they were won back",
    Reaction.WALK_AWAY: "goodbye: they are leaving",
    Reaction.TURN_LIMIT: "goodbye: out of time, not won back",
}


class Difficulty(StrEnum):
    """How hard the customer is to bring round."""

    CALM = "calm"
    UPSET = "upset"
    FURIOUS = "furious"


class CustomerProfile(StrictModel):
    """Who the customer is."""

    name: str = Field(min_length=1)
    role: str = Field(min_length=1)
    background: str = Field(min_length=1)


PLACEHOLDERS = ("name", "company", "agent")


def _checked_line(line: str) -> str:
    check_placeholders(line, PLACEHOLDERS)
    return line


def fill_line(line: str, scenario: Scenario) -> str:
    """A scripted line with its placeholders filled in for `scenario`."""
    return render(line, name=scenario.customer.name.split()[0], company=scenario.company, agent="you")


PersonaLine = Annotated[str, AfterValidator(_checked_line)]  # a scripted line, placeholders checked on load


class Lines(RootModel[dict[Reaction, list[PersonaLine]]]):
    """Lines the embedded scripted customer picks from, by what the trainee just did (a `Reaction`).

    Every reaction is optional on a scenario (its lines are added to the persona's); the persona
    must define them all. Lines may use {{ name }}, {{ company }} and {{ agent }} placeholders, checked
    when the file loads.
    """

    root: dict[Reaction, list[PersonaLine]] = Field(default_factory=dict)

    def for_reaction(self, reaction: Reaction | str) -> list[str]:
        """The lines for one reaction."""
        return list(self.root.get(Reaction(reaction), []))

    def merged_over(self, fallback: Lines) -> Lines:
        """These lines first, then the fallback's (more variety, scenario detail first)."""
        merged = {}
        for reaction in Reaction:
            own = self.for_reaction(reaction)
            merged[reaction] = [*own, *(x for x in fallback.for_reaction(reaction) if x not in own)]
        return Lines(merged)


class ExampleReplies(StrictModel):
    """The author's own trainee replies for the built-in check ("test drive"), said in order.

    `good` must win the customer back within the turn limit; `bad` must make them walk away.
    """

    good: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)
    bad: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)


class Scenario(StrictModel):
    """One situation a persona can be met in."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    industry: str
    trainee_role: str  # who the trainee plays, e.g. "Sales rep at the equipment dealer"
    company: str
    customer: CustomerProfile
    what_happened: str
    wants: str
    values: str  # what the customer values long-term
    escalates: list[str] = Field(min_length=1)
    calms: list[str] = Field(min_length=1)
    opening_line: str
    walk_away_when: str
    facts: list[str] = Field(min_length=2)  # what they reveal when asked; what a paraphrase restates
    # Example trainee utterances, matched by meaning (not by regex): what sets this customer off,
    # and what would meet their need (a concrete fix of the kind they want).
    trigger_examples: list[str] = Field(default_factory=list)
    need_examples: list[str] = Field(default_factory=list)
    # Whole replies for the built-in check that gates publishing a custom persona (see hotseat.authoring).
    example_replies: ExampleReplies = Field(default_factory=ExampleReplies)

    def story(self) -> list[str]:
        """What the reader may ground a reply in: the facts, what happened and what they want."""
        return [*self.facts, " ".join(self.what_happened.split()), " ".join(self.wants.split())]

    lines: Lines = Field(default_factory=Lines)


class Persona(StrictModel):
    """One of the four loyalty-killing conversations, as a customer to practise with."""

    id: str
    title: str
    loyalty_killer: int = Field(ge=1, le=4)
    summary: str
    needs: str  # what this customer needs from the conversation
    mood_weights: dict[str, float] = Field(default_factory=dict)
    lines: Lines
    scenarios: list[Scenario] = Field(min_length=1)

    @field_validator("mood_weights")
    @classmethod
    def _known_weight_keys(cls, value: dict[str, float]) -> dict[str, float]:
        known = {s.value for s in Skill} | {f.value for f in Flag}
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(f"unknown key(s) {unknown}; use skill or flag keys: {sorted(known)}")
        return value

    @model_validator(mode="after")
    def _complete_lines(self) -> Persona:
        missing = [r.value for r in Reaction if len(self.lines.for_reaction(r)) < 2]
        if missing:
            raise ValueError(f"lines: give at least two lines for each of {missing}")
        ids = [s.id for s in self.scenarios]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"scenarios: duplicate scenario ids {dupes}")
        return self

    def scenario(self, scenario_id: str | None = None) -> Scenario:
        """The named scenario, or the first one; unknown ids suggest the closest."""
        if scenario_id is None:
            return self.scenarios[0]
        for scenario in self.scenarios:
            if scenario.id == scenario_id:
                return scenario
        known = [s.id for s in self.scenarios]
        raise PersonaError(
            f"Persona {self.id!r} has no scenario {scenario_id!r}; {closest(scenario_id, known)}.",
            hint="Run `hotseat personas` to list scenarios.",
        )

    def lines_for(self, scenario: Scenario) -> Lines:
        """The scripted lines for a scenario: its own, falling back to the persona's."""
        return scenario.lines.merged_over(self.lines)


class PersonaSource(Protocol):
    """Where personas come from: the built-in files (`PersonaLibrary`), or those plus the database's custom
    personas (`hotseat.authoring.catalog.PersonaCatalog`). Built-in personas have no versions (None)."""

    def ids(self) -> list[str]:
        """The ids of the personas trainees may pick, sorted."""
        ...

    def get(self, persona_id: str, version: int | None = None) -> Persona:
        """One persona: `version` of a custom one (None: its latest published); built-ins take no version."""
        ...

    def resolve(
        self, persona_id: str, version: int | None = None, *, published_only: bool = False
    ) -> tuple[Persona, int | None]:
        """The persona and the version to play (None for a built-in); `published_only` refuses drafts."""
        ...

    def all(self) -> list[Persona]:
        """Every persona trainees may pick, validated (raises on the first broken one)."""
        ...

    def load_all(self) -> tuple[list[Persona], list[PersonaError]]:
        """Every usable persona, and the error of each broken one."""
        ...


def no_versions(persona_id: str, version: int) -> PersonaError:
    """The error for a version asked of a built-in persona file."""
    return PersonaError(
        f"{persona_id!r} is a built-in persona: it has no version {version}.",
        hint="Only custom personas are versioned; leave the version out.",
    )


class PersonaLibrary:
    """All personas in a folder; files are read lazily and cached per instance."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._cache: dict[str, Persona] = {}

    def ids(self) -> list[str]:
        """Persona ids (file names without .yaml), sorted."""
        if not self.folder.is_dir():
            raise PersonaError(
                f"Persona folder {self.folder} does not exist.",
                hint="Set HOTSEAT_PERSONAS_DIR to the folder holding <id>.yaml files.",
            )
        return sorted(p.stem for p in self.folder.glob("*.yaml") if not p.stem.startswith("_"))

    def get(self, persona_id: str, version: int | None = None) -> Persona:
        """Load one persona; unknown ids suggest the closest ones (files have no versions)."""
        if version is not None:
            raise no_versions(persona_id, version)
        if persona_id in self._cache:
            return self._cache[persona_id]
        ids = self.ids()
        if persona_id not in ids:
            raise PersonaError(
                f"Unknown persona {persona_id!r}; {closest(persona_id, ids)}.",
                hint="Run `hotseat personas` to list them.",
            )
        persona = load_yaml_model(self.folder / f"{persona_id}.yaml", Persona, PersonaError, id=persona_id)
        self._cache[persona_id] = persona
        return persona

    def has(self, persona_id: str) -> bool:
        """True if a file for this persona id is in the folder (whether or not it is valid)."""
        return self.folder.is_dir() and (self.folder / f"{persona_id}.yaml").is_file()

    def resolve(
        self, persona_id: str, version: int | None = None, *, published_only: bool = False
    ) -> tuple[Persona, int | None]:
        """The persona and None (a file has no versions)."""
        return self.get(persona_id, version), None

    def all(self) -> list[Persona]:
        """Every persona, validated (raises on the first broken file)."""
        return [self.get(i) for i in self.ids()]

    def load_all(self) -> tuple[list[Persona], list[PersonaError]]:
        """Every persona that loads, and the error of each file that does not: one broken file spoils only itself."""
        usable: list[Persona] = []
        broken: list[PersonaError] = []
        for persona_id in self.ids():
            try:
                usable.append(self.get(persona_id))
            except PersonaError as exc:
                broken.append(exc)
        return usable, broken

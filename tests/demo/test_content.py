"""The demo's data files: they load, hold together, and a writer's mistake is named clearly."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import pytest

from app.demo import content, datafile, logins
from app.demo.content import load
from app.demo.datafile import ContentError
from app.users.models import Department


@pytest.fixture
def fresh_cache() -> Iterator[None]:
    """Reload the files in the test, and leave no broken content cached after it."""
    content.load.cache_clear()
    logins.demo_logins_by_handle.cache_clear()
    yield
    content.load.cache_clear()
    logins.demo_logins_by_handle.cache_clear()


def test_the_content_holds_together() -> None:
    story = load()
    handles = [p.handle for p in story.people]
    cast = set(handles)
    assert len(handles) == len(cast) >= 35
    assert len({p.email for p in story.people}) == len(handles)
    slugs = [c.slug for c in story.customers]
    assert len(slugs) == len(set(slugs)) >= 20
    assert len({g.slug for g in story.groups}) == len(story.groups)

    for customer in story.customers:
        assert {customer.owner, *customer.team} <= cast, customer.slug
    for group in story.groups:
        assert {group.creator, *group.members} <= cast, group.slug
    for blog in story.blogs:
        assert set(blog.authors) <= cast, blog.title
    parts = story.parts
    roles = {parts.admin, parts.deal_desk, parts.legal, parts.security}
    assert roles | set(parts.solutions_engineers) | set(parts.sdrs) <= cast
    # One lead for each side of the agreements, in that department.
    departments = {p.handle: p.department for p in story.people}
    assert {departments[h] for h in parts.leads} == {Department.sales, Department.marketing}

    by_handle = {p.handle: p for p in story.people}
    assert story.logins
    for handle, login in story.logins.items():
        assert handle in cast
        assert login.email == by_handle[handle].email
    admin = next(h for h, login in story.logins.items() if login.label == "admin")
    assert admin == parts.admin


def test_templates_only_use_slots_the_writer_fills() -> None:
    story = load()
    t = story.templates
    slots = {
        *t.choices,
        *t.numbers,
        *("acct", "acct2", "acct3", "acct_name", "industry", "owner", "comp", "comp_topic"),
        *("arr", "n2", "author", "parent", "se", "marketer", "cs", "pm", "dealdesk", "legal"),
        *("security", "person", "person2"),
    }
    texts = [
        *_strings(vars(t).values()),
        *(g for group in story.groups for g in group.posts),
        *(
            text
            for q in (*t.questions, *(q for group in story.groups for q in group.questions))
            for text in (q.text, *q.answers)
        ),
        *(text for b in story.blogs for text in (b.title, b.body)),
        *(text for c in story.collateral for text in (c.title, c.body)),
    ]
    assert len(texts) > 300
    used = {slot for text in texts for slot in re.findall(r"\{(\w+)\}", text)}
    assert used <= slots


def test_questions_ask_across_the_divide_and_every_department_has_some_to_ask() -> None:
    questions = load().templates.questions
    asked = {(asker, q.to) for q in questions for asker in q.asked_by}
    S, M = Department.sales, Department.marketing
    assert {(S, M), (M, S), (Department.customer_success, Department.product)} <= asked
    assert any(q.to is None for q in questions)
    assert {asker for asker, _ in asked} == set(Department)
    for q in questions:
        assert q.to not in q.asked_by, q.text
        assert q.answers, q.text


def _strings(values: Iterable[object]) -> Iterator[str]:
    for value in values:
        if isinstance(value, str):
            yield value
        elif isinstance(value, tuple):
            yield from _strings(value)
        elif isinstance(value, Mapping):
            yield from _strings(value.values())


def _broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, old: str, new: str) -> None:
    for path in datafile.DATA.glob("*.toml"):
        shutil.copy(path, tmp_path)
    text = (tmp_path / name).read_text()
    assert old in text
    (tmp_path / name).write_text(text.replace(old, new, 1))
    monkeypatch.setattr(datafile, "DATA", tmp_path)


@pytest.mark.usefixtures("fresh_cache")
@pytest.mark.parametrize(
    ("name", "old", "new", "message"),
    [
        (
            "people.toml",
            'department = "marketing"\ntitle = "Field Marketing Manager"',
            'department = "marketting"\ntitle = "Field Marketing Manager"',
            "people.toml: person #N (Nina): unknown department 'marketting' (one of: sales, ",
        ),
        (
            "people.toml",
            'title = "VP Sales"\n',
            "",
            "people.toml: person #N (Tom): missing key 'title'",
        ),
        (
            "customers.toml",
            'owner = "kwame"',
            'owner = "kwane"',
            "customers.toml: customer #N (corvid-freight): owner: 'kwane' is not the handle of a "
            "person in people.toml",
        ),
        (
            "customers.toml",
            'tier = "Enterprise"',
            'tier = "Enterprize"',
            "customers.toml: customer #N (brightwater): unknown tier 'Enterprize'",
        ),
        (
            "groups.toml",
            'private = true\ncreator = "lars"',
            'privat = true\ncreator = "lars"',
            "groups.toml: group #N (deal-desk): unknown key 'privat'",
        ),
        (
            "templates.toml",
            "[updates.other]\navery = [",
            "[updates.other]\naverie = [",
            "templates.toml: [updates.other]: 'averie' is not the handle of a person",
        ),
        (
            "logins.toml",
            'email = "marcus.reed@northwind.example"',
            'email = "marcus@northwind.example"',
            "logins.toml: 'marcus' signs in as marcus.reed@northwind.example",
        ),
        ("blogs.toml", 'body = """', 'body = """"""\n"""', "blogs.toml: not valid TOML"),
        (
            "agreements.toml",
            'do = "reject"\ndays_ago = 41',
            'do = "refuse"\ndays_ago = 41',
            "agreements.toml: term #N (MQL), step #N: unknown do 'refuse' (one of: approve, ",
        ),
        (
            "agreements.toml",
            'by = "sofia"\ndo = "approve"',
            'by = "marcus"\ndo = "approve"',
            "agreements.toml: term #N (Lead), step #N: 'marcus' is not one of the leads, who "
            "sign: sofia, grace",
        ),
        (
            "agreements.toml",
            "days_ago = 43",
            "days_ago = 45",
            "agreements.toml: term #N (Lead): step #N does not come after the one before it",
        ),
        (
            "agreements.toml",
            'by = "grace"\nstatus = "met"',
            'by = "sofia"\nstatus = "met"',
            "agreements.toml: [agreement], clause #N, check #N: 'sofia' is not a lead of "
            "marketing, who records the clause",
        ),
        (
            "agreements.toml",
            'at = "09:40"',
            'at = "9.40"',
            "agreements.toml: term #N (Lead): at must be a time of day as \"HH:MM\", not '9.40'",
        ),
        (
            "groups.toml",
            'can you check the numbers? #case-study"\nanswers = [',
            'can you check the numbers? #case-study"\nanswer = [',
            "groups.toml: group #N (customer-stories), question #N: missing key 'answers'",
        ),
        (
            "templates.toml",
            "[[questions.product]]\nasked_by = [",
            "[[questions.engineering]]\nasked_by = [",
            "templates.toml: [questions]: unknown key 'engineering' (a department, or everyone)",
        ),
        (
            "templates.toml",
            'asked_by = ["marketing"]\ntext = "Are we going back',
            'asked_by = ["marketing", "leadership"]\ntext = "Are we going back',
            "templates.toml: [questions], leadership #N: leadership does not ask itself a question",
        ),
        (
            "templates.toml",
            '"Yes: one booth and the exec dinner, same budget as this year."',
            '"Yes: {event} again, same budget as this year."',
            "templates.toml: [questions], leadership #N: answer #N uses {event}, which it would "
            "fill with another value than its question's",
        ),
    ],
)
def test_a_broken_file_is_named_with_the_entry(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    old: str,
    new: str,
    message: str,
) -> None:
    _broken(tmp_path, monkeypatch, name, old, new)
    with pytest.raises(ContentError) as raised:
        load()
    # Positions change as writers add entries; which entry it is shows in the name.
    assert re.sub(r"#\d+", "#N", str(raised.value)).startswith(message)

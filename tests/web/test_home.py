""" "Việc của tôi" tells each person what to do next, by when, with a link to the page that does
it; a person with nothing to do is told so and where to look instead."""

import re

from thidua.web.links import PAGES


def _tasks(html: str) -> list[str]:
    return re.findall(r'<li class="card task[^"]*">(.*?)</li>', html, re.S)


def test_an_officer_is_sent_to_the_self_assessment_with_its_deadline(
    client_as, campaign_id: int
) -> None:
    page = client_as("canbo.ptm").get("/")
    (task,) = _tasks(page.text)
    assert "chưa nộp bản tự chấm điểm" in task
    assert f'class="button" href="/campaigns/{campaign_id}/self-assessment"' in task
    assert re.search(r"Hạn chót \(giờ địa phương\): \d\d/\d\d/\d{4} \d\d:\d\d", task)
    english = client_as("canbo.phc").get("/?lang=en").text
    assert "Deadline (local time)" in english and "Self-assessment →" in english


def test_the_leader_is_sent_to_the_leaders_page(client_as, campaign_id: int) -> None:
    (task,) = _tasks(client_as("chihuy.ptm").get("/").text)
    assert f'href="/campaigns/{campaign_id}/lead"' in task


def test_nothing_to_do_says_so_and_where_to_look(client_as, campaign_id: int) -> None:
    page = client_as("bgd.phogiamdoc").get("/").text
    assert not _tasks(page)
    assert "Hiện không có việc nào đang chờ bạn" in page
    assert 'href="/campaigns"' in page.split("<main>")[1]


def test_each_linked_page_is_one_the_person_may_open(client_as, campaign_id: int) -> None:
    from tests.web.conftest import USER_OF_ROLE

    for _command, role, suffix in PAGES:
        assert role is not None
        answer = client_as(USER_OF_ROLE[role]).get(f"/campaigns/{campaign_id}{suffix}")
        assert answer.status_code == 200, (role, suffix)

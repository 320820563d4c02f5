"""What the API answers to bad input: an oversized body, a body not sent as JSON, malformed JSON, NUL
characters, and names with invisible or unusual characters. Each answer is a clear JSON message that
echoes nothing of the input, and nothing is written half-way."""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from epigrid.core.models import AuditEvent
from epigrid.people.models import Household, Person, Screening
from tests.api.conftest import API, session_client, token_client

URL = f"{API}/screenings"
NOT_A_NUMBER = "请求体不是有效的 JSON：不接受 NaN 或 Infinity"


def _visit(world, name: str = "张小明", **entry) -> dict[str, object]:
    """A grid worker's visit to household 甲1 that registers someone found at the door."""
    return {
        "household_id": world.hh_a1.pk,
        "entries": [{"new_person": {"name": name, "sex": "M", "relation": "儿子"}, **entry}],
    }


def _rows(world) -> tuple[int, int, int, int]:
    household = Household.objects.get(pk=world.hh_a1.pk)
    return (
        Person.objects.count(),
        Screening.objects.count(),
        household.member_count,
        AuditEvent.objects.count(),
    )


def _post_json(client, payload) -> object:
    return client.post(URL, data=json.dumps(payload), content_type="application/json")


# --- size ------------------------------------------------------------------------------------------


def test_a_body_over_the_upload_limit_is_413(world):
    client = token_client(world.grid_worker_a)
    before = _rows(world)
    notes = "备" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 3 + 1)  # 3 bytes each in UTF-8
    body = json.dumps({**_visit(world), "notes": notes}, ensure_ascii=False).encode()
    assert len(body) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = client.post(URL, data=body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "请求体过大：不能超过 20 MB（文件上传另有限制）"}
    assert _rows(world) == before


def test_a_body_just_under_the_limit_is_read(world):
    """The limit is the setting's, not a smaller one of the API: a long body is read and validated."""
    client = token_client(world.grid_worker_a)
    body = json.dumps({**_visit(world), "notes": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE - 500)})
    assert len(body) < settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = client.post(URL, data=body, content_type="application/json")
    assert response.status_code == 422  # the notes are too long for a screening, and it says so
    assert response.json()["detail"][0]["loc"][-1] == "notes"


def test_an_oversized_form_upload_is_413(world):
    client = token_client(world.hq)
    field = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = client.post(f"{API}/lists/batches", {"source": field, "region_id": world.district.pk})
    assert response.status_code == 413
    assert response.json()["detail"].startswith("请求体过大")


# --- content type and syntax -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "text/html", "application/xml"]
)
def test_a_body_not_sent_as_json_is_415_and_writes_nothing(world, content_type):
    client = token_client(world.grid_worker_a)
    before = _rows(world)
    response = client.post(URL, data=json.dumps(_visit(world)), content_type=content_type)
    assert response.status_code == 415
    assert response.json() == {"detail": "请求体须为 JSON，请设置请求头 Content-Type: application/json"}
    assert _rows(world) == before


def test_a_form_posted_to_a_json_endpoint_is_415(world):
    client = session_client(world.grid_worker_a)
    before = _rows(world)
    response = client.post(URL, {"household_id": world.hh_a1.pk, "entries": "张小明"})  # multipart
    assert response.status_code == 415
    assert "Content-Type: application/json" in response.json()["detail"]
    assert _rows(world) == before


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "application/merge-patch+json"]
)
def test_json_media_types_are_read(world, content_type):
    response = token_client(world.grid_worker_a).post(
        URL, data=json.dumps(_visit(world)), content_type=content_type
    )
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{"household_id": 1, "entries": [', "请求体不是有效的 JSON（第 1 行第 33 列）"),
        ("{'household_id': 1}", "请求体不是有效的 JSON（第 1 行第 2 列）"),
        ('{\n  "household_id": 1,\n}', "请求体不是有效的 JSON（第 2 行第 20 列）"),
        ('{"household_id": NaN, "entries": []}', NOT_A_NUMBER),
        (
            '{"household_id": 1, "entries": [{"temperature": Infinity}]}',
            "请求体不是有效的 JSON：不接受 NaN 或 Infinity",
        ),
        ("[" * 100_000, "请求体的 JSON 嵌套过深"),
    ],
    ids=["truncated", "single-quotes", "trailing-comma", "nan", "infinity", "deep"],
)
def test_malformed_json_is_400_with_where_it_broke(world, body, message):
    client = token_client(world.grid_worker_a)
    before = _rows(world)
    response = client.post(URL, data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": message}
    assert _rows(world) == before


def test_a_body_not_in_utf8_is_400(world):
    body = json.dumps(_visit(world), ensure_ascii=False).encode("gb18030")
    response = token_client(world.grid_worker_a).post(URL, data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "请求体须为 UTF-8 编码的 JSON"}


def test_the_error_never_echoes_the_body(world):
    secretish = "110101199003078888"
    body = '{"household_id": 1, "entries": [{"new_person": {"id_number": "' + secretish + '"'
    response = token_client(world.grid_worker_a).post(URL, data=body, content_type="application/json")
    assert response.status_code == 400
    assert secretish not in response.content.decode()


# --- NUL characters --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["张\x00伟", "\x00", "张伟\x00"])
def test_a_nul_character_in_a_name_is_422_naming_the_field(world, name):
    client = token_client(world.grid_worker_a)
    before = _rows(world)
    response = _post_json(client, _visit(world, name=name))
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "loc": ["body", "entries", 0, "new_person", "name"],
                "msg": "不能包含空字符（NUL, U+0000）",
                "type": "value_error",
            }
        ]
    }
    assert _rows(world) == before


def test_every_nul_is_named_at_once_and_in_keys_too(world):
    payload = _visit(world, name="张\x00", whereabouts="在\x00外")
    payload["notes\x00"] = "x"
    response = _post_json(token_client(world.grid_worker_a), payload)
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [
        ["body", "notes"],
        ["body", "entries", 0, "new_person", "name"],
        ["body", "entries", 0, "whereabouts"],
    ]


def test_a_nul_character_in_a_query_is_422(world):
    response = token_client(world.grid_worker_a).get(f"{API}/persons", {"name": "张\x00"})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"loc": ["query", "name"], "msg": "不能包含空字符（NUL, U+0000）", "type": "value_error"}
    ]


def test_a_nul_character_in_a_form_field_is_422(world):
    response = token_client(world.hq).post(f"{API}/lists/batches", {"source": "区教育局\x00", "region_id": 1})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["form", "source"]


# --- invisible and unusual characters in names -----------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("张\u200b小明", "张小明"),  # zero-width space
        ("张\u200c小\u200d明", "张小明"),  # zero-width non-joiner and joiner
        ("\ufeff张小明", "张小明"),  # byte-order mark
        ("\u200e张小明\u200f", "张小明"),  # left-to-right and right-to-left marks
        ("\u202e明小张", "明小张"),  # right-to-left override: the text is stored as typed, unturned
        ("\u2066张小明\u2069", "张小明"),  # isolates
        ("阿依古丽\u00b7买买提", "阿依古丽·买买提"),  # a dotted name is kept as it is
        ("Rene\u0301", "René"),  # a combining accent is composed (Unicode NFC)
        ("\uf90a小明", "金小明"),  # a compatibility ideograph becomes the ordinary character
    ],
    ids=["zwsp", "zwnj-zwj", "bom", "lrm-rlm", "rlo", "isolates", "middle-dot", "combining", "compat"],
)
def test_invisible_characters_are_stripped_from_a_stored_name(world, sent, stored):
    client = token_client(world.grid_worker_a)
    persons = Person.objects.count()
    response = _post_json(client, _visit(world, name=sent))
    assert response.status_code == 201, response.content
    person = Person.objects.exclude(pk__in=[world.zhang.pk]).order_by("-pk").first()
    assert Person.objects.count() == persons + 1
    assert person.name == stored
    assert response.json()["entries"][0]["name"] == stored


def test_a_name_of_invisible_characters_only_is_422_naming_the_field(world):
    client = token_client(world.grid_worker_a)
    before = _rows(world)
    response = _post_json(client, _visit(world, name="\u200b\u200d\ufeff\u202e"))
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"loc": ["body", "payload", "entries", 0, "name"], "msg": "请填写姓名", "type": "value_error"}
    ]
    assert _rows(world) == before


@pytest.mark.parametrize(
    "name", ["张伟\U0001f637", "\U0001f468\u200d\U0001f469\u200d\U0001f467", "张" + "\u0301" * 3]
)
def test_emoji_and_stray_combining_marks_are_stored_without_a_server_error(world, name):
    """Not a name anyone has, but nothing breaks: stored (invisible joiners removed) or refused by field."""
    client = token_client(world.grid_worker_a)
    before = _rows(world)
    response = _post_json(client, _visit(world, name=name))
    assert response.status_code == 201, response.content
    stored = response.json()["entries"][0]["name"]
    assert "\u200d" not in stored and stored == Person.objects.order_by("-pk").first().name
    assert _rows(world)[0] == before[0] + 1


def test_a_name_longer_than_the_field_is_422_and_nothing_is_stored(world):
    client = token_client(world.grid_worker_a)
    before = _rows(world)
    response = _post_json(client, _visit(world, name="张" * 51))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "payload", "entries", 0, "new_person", "name"]
    assert _rows(world) == before


def test_a_half_bad_visit_stores_nothing(world):
    """Two people at the door, the second one's ID number wrong: neither is registered."""
    client = token_client(world.grid_worker_a)
    payload = _visit(world, name="张\u200b小明")
    payload["entries"].append(
        {"new_person": {"name": "张小红", "sex": "F", "id_number": "110101199003070000"}}
    )
    before = _rows(world)
    response = _post_json(client, payload)
    assert response.status_code == 422
    assert [e["loc"][-1] for e in response.json()["detail"]] == ["id_number"]
    assert _rows(world) == before

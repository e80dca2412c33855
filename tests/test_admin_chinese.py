"""The Django admin speaks Chinese throughout, and a new account's role is chosen, never
defaulted to 系统管理员."""

import json
import re

from fugong.core.models import User
from fugong.core.services import audit


def _text(response):
    html = re.sub(
        r"<script.*?</script>|<style.*?</style>", "", response.content.decode(), flags=re.S
    )
    return re.sub(r"<[^>]+>", " ", html)


def test_it_makes_the_role_of_a_new_user_a_choice(cast, client):
    client.force_login(cast.admin)
    page = client.get("/admin/core/user/add/").content.decode()
    role = page.split('name="role"', 1)[1].split("</select>", 1)[0]
    assert '<option value="" selected>请选择…</option>' in role
    assert 'value="admin" selected' not in role
    assert "创建用户后" in page and "After you" not in page
    r = client.post(
        "/admin/core/user/add/",
        {"username": "xinren", "usable_password": "false", "name": "新人", "role": ""},
    )
    assert r.status_code == 200 and "这个字段是必填项" in r.content.decode()
    assert not User.objects.filter(username="xinren").exists()
    assert User._meta.get_field("role").has_default() is False


def test_it_names_permissions_in_chinese(cast, client):
    client.force_login(cast.admin)
    for url in (f"/admin/core/user/{cast.yanji.pk}/change/", "/admin/auth/group/add/"):
        text = _text(client.get(url))
        assert "Can add" not in text and "Can view" not in text
        assert "审计链头 | 可以添加" in text and "用户 | 可以查看" in text


def test_it_names_audited_object_types_in_chinese(cast, client):
    audit(cast.admin, "update", cast.yanji)
    client.force_login(cast.admin)
    text = _text(client.get("/admin/core/auditlog/"))
    assert "core.user" not in text and "用户" in text
    assert "core.user" not in _text(client.get("/admin/core/auditlog/?target_type=core.user"))


def test_it_translates_the_admin_strings_django_leaves_in_english(cast, client):
    client.force_login(cast.admin)
    text = _text(client.get("/admin/"))
    assert "Model name" not in text and "Add link" not in text and "模型名称" in text
    catalog = client.get("/admin/jsi18n/").content.decode()
    for text in ("选择全部%s", "删除选中的%s"):
        assert text in catalog or json.dumps(text)[1:-1] in catalog

"""The served approval page renders the paused run's own form: the code in a password field, what must be
read first and in full, the description's markup as text, and tick boxes read back as true or false."""

from __future__ import annotations

from deployments.approval_page import answer_of, page
from tasks.release.approval import approval_form


def _schema() -> dict:
    return approval_form(["【本期数字】监测对象 1,234 户", "<script>alert(1)</script>"]).model_json_schema()


def test_the_page_hides_the_code_and_shows_what_must_be_read():
    shown = page("### 2023年上半年\n<img src=x onerror=alert(1)>", _schema())
    assert '<input type="password" autocomplete="off" name="approval_code" id="approval_code" required>' in shown
    assert '<div class="must">【本期数字】监测对象 1,234 户\n&lt;script&gt;' in shown  # the first field's, escaped
    assert "<script>" not in shown and "<img" not in shown  # neither the description nor a field's help is HTML
    assert '<option value="批准发布">批准发布</option>' in shown and "审核人姓名 / approver（必填）" in shown
    assert '<textarea rows=3 name="comment" id="comment"></textarea>' in shown


def test_an_answer_is_read_back_in_the_schema_s_types():
    body = "decision=%E6%89%B9%E5%87%86%E5%8F%91%E5%B8%83&reviewer=%E7%8E%8B&approval_code=c0de&comment=" \
           "&acknowledge_large_changes=true&unknown=x"
    assert answer_of(body, _schema()) == {
        "decision": "批准发布", "reviewer": "王", "approval_code": "c0de", "comment": "",
        "acknowledge_large_changes": True, "acknowledge_revisions": False}

"""Signing with the published vectors, and cutting messages by UTF-8 bytes keeping the link."""

from __future__ import annotations

import json
from types import SimpleNamespace

from cqms.notifications import senders

from .fake_platforms import dingtalk_expected_sign, feishu_expected_sign


def test_dingtalk_signature_matches_the_published_vector():
    url = senders.dingtalk_signed_url(
        "https://oapi.dingtalk.com/robot/send?access_token=T", "SECabc", now_ms=1700000000000
    )
    assert url.endswith(
        "&timestamp=1700000000000&sign=jcUpW0QmtKduN03n4JqQ0PBosVjqnM8gU7fIIvsDmCM%3D"
    )
    # The fake platform verifies with its own code, written from the platform's description.
    assert dingtalk_expected_sign("SECabc", "1700000000000") == (
        "jcUpW0QmtKduN03n4JqQ0PBosVjqnM8gU7fIIvsDmCM="
    )


def test_feishu_signature_matches_the_published_vector():
    assert senders.feishu_signature("abc", now_s=1700000000) == {
        "timestamp": "1700000000",
        "sign": "VIS10b0EBvzzSdFnuk4tznEmK5wHaruvf/WnViv2yR4=",
    }
    assert feishu_expected_sign("abc", "1700000000") == (
        "VIS10b0EBvzzSdFnuk4tznEmK5wHaruvf/WnViv2yR4="
    )


def test_cutting_by_bytes_never_splits_a_chinese_character():
    text = "围堵措施即将超期" * 10  # 3 bytes per character
    cut = senders.cut_bytes(text, 20)
    assert senders.nbytes(cut) <= 20
    assert cut.endswith("…")
    cut.encode("utf-8").decode("utf-8")  # valid UTF-8


def message(body: str, *, url="https://cqms.example.com/complaints/12/", items=(), **extra):
    values = {
        "subject": "客诉 KS-2026-0012 围堵即将超期",
        "body": body,
        "url": url,
        "mentions": [],
        "items": list(items),
        "language": "zh-hans",
        "event": "deadline_approaching",
    }
    values.update(extra)
    return SimpleNamespace(**values)


def channel(kind: str, **extra):
    values = {"kind": kind, "keyword": "", "secret": "", "webhook_url": "http://x/"}
    values.update(extra)
    return SimpleNamespace(**values)


def test_long_messages_fit_each_platform_and_keep_the_link():
    body = "\n".join(
        f"第{i}行：客户投诉的详细描述，包括批号、数量和不良现象。" for i in range(2000)
    )
    link = "https://cqms.example.com/complaints/12/"
    wecom = senders.wecom_payload(channel("wecom", keyword="CQMS"), message(body))
    content = wecom["markdown"]["content"]
    assert senders.nbytes(content) <= 4096
    assert content.rstrip().endswith(f"({link})")
    assert "【CQMS】" in content
    assert "1952" in content  # the count of left-out lines (2000 minus those shown)

    dingtalk = senders.dingtalk_payload(channel("dingtalk"), message(body))
    assert senders.nbytes(dingtalk["markdown"]["text"]) <= senders.DINGTALK_TEXT_BYTES
    assert link in dingtalk["markdown"]["text"]

    feishu = senders.feishu_payload(channel("feishu", secret="abc"), message(body))
    wire = json.dumps(feishu, ensure_ascii=False, separators=(",", ":")).encode()
    assert len(wire) <= 20 * 1024
    assert feishu["card"]["elements"][1]["actions"][0]["url"] == link
    assert {"timestamp", "sign"} <= feishu.keys()


def test_a_summary_keeps_whole_lines_with_their_links():
    items = [
        {"title": f"客诉 KS-2026-{i:04d} 围堵即将超期", "url": f"https://cqms.example.com/c/{i}/"}
        for i in range(300)
    ]
    content = senders.wecom_payload(channel("wecom"), message("", url="", items=items))["markdown"][
        "content"
    ]
    assert senders.nbytes(content) <= 4096
    lines = [line for line in content.splitlines() if line.startswith("- [")]
    assert lines and all(line.endswith("/)") for line in lines)  # no link cut in half


def test_mentions_use_the_stored_ids_and_mobiles():
    people = [
        {
            "name": "张三",
            "wecom": "zhangsan",
            "dingtalk": "",
            "mobile": "13800001111",
            "feishu": "",
        },
        {"name": "李四", "wecom": "", "dingtalk": "lisi01", "mobile": "", "feishu": "ou_42"},
    ]
    msg = message("正文", mentions=people)
    assert "<@zhangsan>" in senders.wecom_payload(channel("wecom"), msg)["markdown"]["content"]
    dingtalk = senders.dingtalk_payload(channel("dingtalk"), msg)
    assert dingtalk["at"]["atMobiles"] == ["13800001111"]
    assert dingtalk["at"]["atUserIds"] == ["lisi01"]
    assert "@13800001111" in dingtalk["markdown"]["text"]
    feishu = senders.feishu_payload(channel("feishu"), msg)
    assert "<at id=ou_42></at>" in feishu["card"]["elements"][0]["text"]["content"]

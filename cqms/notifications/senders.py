"""Group-bot senders: WeCom, DingTalk and Feishu/Lark custom robots.

One interface, three adapters (see the ecosystem notes, section 2): `build_payload(channel,
message)` turns an outgoing message into the platform's JSON, `post(channel, payload)` sends it
with the standard library's HTTP client and reads the platform's answer into a `Result`.

Webhook URLs and secrets are credentials: nothing here logs them or puts them in an error
message. Bodies are cut by UTF-8 bytes to the platform's limit, and the link to the record is
always kept.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _

TIMEOUT_SECONDS = 10
# Platform limits in UTF-8 bytes.
WECOM_MARKDOWN_BYTES = 4096
WECOM_TEXT_BYTES = 2048
DINGTALK_TEXT_BYTES = 20000  # not published; a margin below what the robot accepts
FEISHU_BODY_BYTES = 20 * 1024
ELLIPSIS = "…"


@dataclass
class Result:
    ok: bool
    retry: bool = False  # worth trying again later (network, server busy, rate limit)
    throttle_seconds: int = 0  # the platform asked us to stop sending for this long
    code: str = ""
    message: str = ""
    http_status: int | None = None


# --- Signing (ecosystem notes 2.4, checked against the published vectors) --------------------


def dingtalk_signed_url(webhook_url: str, secret: str, now_ms: int | None = None) -> str:
    """DingTalk: HMAC-SHA256 keyed with the secret over "timestamp\\nsecret", Base64, then
    URL-encoded; timestamp in milliseconds, both appended to the URL."""
    ts = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    separator = "&" if "?" in webhook_url else "?"
    return f"{webhook_url}{separator}timestamp={ts}&sign={sign}"


def feishu_signature(secret: str, now_s: int | None = None) -> dict[str, str]:
    """Feishu: HMAC-SHA256 keyed with "timestamp\\nsecret" over an empty message, Base64 (no
    URL-encoding); timestamp in seconds; both go into the JSON body."""
    ts = str(now_s if now_s is not None else int(time.time()))
    digest = hmac.new(f"{ts}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return {"timestamp": ts, "sign": base64.b64encode(digest).decode()}


# --- Cutting text by UTF-8 bytes ------------------------------------------------------------


def nbytes(text: str) -> int:
    return len(text.encode("utf-8"))


def cut_bytes(text: str, limit: int) -> str:
    """`text` shortened to at most `limit` UTF-8 bytes, never inside a character, with "…"."""
    if nbytes(text) <= limit:
        return text
    room = max(0, limit - nbytes(ELLIPSIS))
    cut = text.encode("utf-8")[:room].decode("utf-8", errors="ignore")
    return cut + ELLIPSIS if limit >= nbytes(ELLIPSIS) else ""


def fit_lines(lines: list[str], limit: int, *, more: str = "") -> str:
    """As many whole lines as fit in `limit` bytes (a line with a link is never cut in the
    middle), then `more` if lines were left out; a first line too long is cut by bytes."""
    kept: list[str] = []
    for index, line in enumerate(lines):
        candidate = "\n".join([*kept, line])
        if nbytes(candidate) <= limit:
            kept.append(line)
            continue
        left = len(lines) - index
        tail = more.format(n=left) if more else ELLIPSIS
        if not kept:
            return cut_bytes(line, max(0, limit - nbytes("\n" + tail))) + "\n" + tail
        while kept and nbytes("\n".join([*kept, tail])) > limit:
            kept.pop()
            left += 1
            tail = more.format(n=left) if more else ELLIPSIS
        return "\n".join([*kept, tail])
    return "\n".join(kept)


# --- Messages -------------------------------------------------------------------------------


def _title(channel, message) -> str:
    """The title with the channel's keyword in front (robots with keyword security)."""
    title = message.subject
    if channel.keyword and channel.keyword not in title:
        title = f"【{channel.keyword}】{title}"
    return title


def _body_lines(message) -> list[str]:
    if message.items:
        return [
            f"- [{item['title']}]({item['url']})" if item.get("url") else f"- {item['title']}"
            for item in message.items
        ]
    return (message.body or "").splitlines()


def _more_label(language: str) -> str:
    with translation.override(language):
        return _("… and {n} more")


def _open_label(language: str) -> str:
    with translation.override(language):
        return _("Open the record")


def build_payload(channel, message) -> dict:
    return BUILDERS[channel.kind](channel, message)


def wecom_payload(channel, message) -> dict:
    title = _title(channel, message)
    head = f"**{title}**"
    tail = []
    if message.url:
        tail.append(f"[{_open_label(message.language)}]({message.url})")
    mentions = " ".join(f"<@{m['wecom']}>" for m in message.mentions if m.get("wecom"))
    if mentions:
        tail.append(mentions)
    fixed = "\n".join([head, *tail])
    room = WECOM_MARKDOWN_BYTES - nbytes(fixed) - 2
    lines = [f">{line}" if line and not message.items else line for line in _body_lines(message)]
    body = fit_lines(lines, room, more=_more_label(message.language)) if room > 0 else ""
    content = "\n".join(part for part in [head, body, *tail] if part)
    if nbytes(content) > WECOM_MARKDOWN_BYTES:  # a title near the limit: shorten the title
        head = "**" + cut_bytes(title, WECOM_MARKDOWN_BYTES - nbytes("\n".join(tail)) - 8) + "**"
        content = "\n".join([head, *tail])
    return {"msgtype": "markdown", "markdown": {"content": content}}


def dingtalk_payload(channel, message) -> dict:
    title = _title(channel, message)
    at_mobiles = [
        m["mobile"] for m in message.mentions if m.get("mobile") and not m.get("dingtalk")
    ]
    at_ids = [m["dingtalk"] for m in message.mentions if m.get("dingtalk")]
    head = f"#### {title}"
    tail = []
    if message.url:
        tail.append(f"[{_open_label(message.language)}]({message.url})")
    mention_text = " ".join(
        [f"@{mobile}" for mobile in at_mobiles] + [f"@{user_id}" for user_id in at_ids]
    )
    if mention_text:
        tail.append(mention_text)
    room = DINGTALK_TEXT_BYTES - nbytes("\n\n".join([head, *tail])) - 4
    body = fit_lines(_body_lines(message), room, more=_more_label(message.language))
    text = "\n\n".join(part for part in [head, body, *tail] if part)
    payload = {
        "msgtype": "markdown",
        "markdown": {"title": cut_bytes(title, 300), "text": text},
        "at": {"atMobiles": at_mobiles, "atUserIds": at_ids, "isAtAll": False},
    }
    return payload


def feishu_payload(channel, message) -> dict:
    title = _title(channel, message)
    mentions = " ".join(f"<at id={m['feishu']}></at>" for m in message.mentions if m.get("feishu"))
    elements = [{"tag": "div", "text": {"tag": "lark_md", "content": ""}}]
    if message.url:
        elements.append(
            {
                "tag": "action",
                "actions": [
                    {
                        "tag": "button",
                        "type": "primary",
                        "text": {"tag": "plain_text", "content": _open_label(message.language)},
                        "url": message.url,
                    }
                ],
            }
        )
    card = {
        "config": {"wide_screen_mode": True},
        "header": {
            "template": "red" if message.event in ("deadline_missed", "escalated") else "blue",
            "title": {"tag": "plain_text", "content": cut_bytes(title, 1000)},
        },
        "elements": elements,
    }
    payload = {"msg_type": "interactive", "card": card}
    if channel.secret:
        payload = {**feishu_signature(channel.secret), **payload}
    # What is left of 20 KB for the text, counted on the JSON as it goes over the wire.
    room = FEISHU_BODY_BYTES - nbytes(_json(payload)) - nbytes(mentions) - 64
    lines = _body_lines(message)
    text = fit_lines(lines, room, more=_more_label(message.language)) if room > 0 else ""
    elements[0]["text"]["content"] = "\n".join(part for part in (text, mentions) if part)
    while nbytes(_json(payload)) > FEISHU_BODY_BYTES and text:  # JSON escapes took more room
        room -= 512
        text = fit_lines(lines, max(room, 0), more=_more_label(message.language))
        elements[0]["text"]["content"] = "\n".join(part for part in (text, mentions) if part)
    return payload


BUILDERS = {"wecom": wecom_payload, "dingtalk": dingtalk_payload, "feishu": feishu_payload}


# --- Sending --------------------------------------------------------------------------------


def _json(payload: dict) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def post(channel, payload: dict, *, message_id: str = "") -> Result:
    url = channel.webhook_url
    if channel.kind == "dingtalk" and channel.secret:
        url = dingtalk_signed_url(url, channel.secret)
    data = _json(payload).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if message_id:
        headers["X-CQMS-Message-Id"] = message_id
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")  # noqa: S310
    status = None
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            status = response.status
            raw = response.read(65536)
    except urllib.error.HTTPError as error:
        status = error.code
        raw = error.read(65536) if error.fp else b""
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as error:
        reason = getattr(error, "reason", error)
        return Result(False, retry=True, code="network", message=_clean(channel, str(reason)))
    try:
        answer = json.loads(raw.decode("utf-8", errors="replace")) if raw else {}
    except ValueError:
        answer = {}
    if not isinstance(answer, dict):
        answer = {}
    return INTERPRETERS[channel.kind](status, answer, raw, channel)


def _clean(channel, text: str) -> str:
    """An error text without the credentials, cut to the column size."""
    for secret in (channel.webhook_url, channel.secret):
        if secret:
            text = text.replace(secret, "…")
    return text[:500]


def _http_failure(status, raw, channel) -> Result:
    text = _clean(channel, raw.decode("utf-8", errors="replace")[:200]) if raw else ""
    if status == 429:
        return Result(
            False, retry=True, throttle_seconds=60, code="429", message=text, http_status=status
        )
    return Result(
        False,
        retry=status is None or status >= 500,
        code=str(status or ""),
        message=text or f"HTTP {status}",
        http_status=status,
    )


def wecom_result(status, answer, raw, channel) -> Result:
    if "errcode" not in answer:
        return _http_failure(status, raw, channel)
    code, text = answer.get("errcode"), _clean(channel, str(answer.get("errmsg", "")))
    if code == 0:
        return Result(True, code="0", message=text, http_status=status)
    if code == 45009:
        return Result(
            False, retry=True, throttle_seconds=60, code=str(code), message=text, http_status=status
        )
    return Result(False, retry=code == -1, code=str(code), message=text, http_status=status)


def dingtalk_result(status, answer, raw, channel) -> Result:
    if "errcode" not in answer:
        return _http_failure(status, raw, channel)
    code, text = answer.get("errcode"), _clean(channel, str(answer.get("errmsg", "")))
    if code == 0:
        return Result(True, code="0", message=text, http_status=status)
    if code == 130101:  # too fast: DingTalk stays silent for ten minutes
        return Result(
            False,
            retry=True,
            throttle_seconds=600,
            code=str(code),
            message=text,
            http_status=status,
        )
    return Result(False, retry=code == -1, code=str(code), message=text, http_status=status)


def feishu_result(status, answer, raw, channel) -> Result:
    if status == 429:
        return _http_failure(status, raw, channel)
    code = answer.get("code", answer.get("StatusCode"))
    if code is None:
        return _http_failure(status, raw, channel)
    text = _clean(channel, str(answer.get("msg", answer.get("StatusMessage", ""))))
    if code == 0:
        return Result(True, code="0", message=text, http_status=status)
    if code == 11232:  # frequency limited
        return Result(
            False, retry=True, throttle_seconds=60, code=str(code), message=text, http_status=status
        )
    return Result(False, retry=False, code=str(code), message=text, http_status=status)


INTERPRETERS = {"wecom": wecom_result, "dingtalk": dingtalk_result, "feishu": feishu_result}

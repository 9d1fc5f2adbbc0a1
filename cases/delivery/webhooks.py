"""Group-bot webhooks in each platform's own message format and signing.

* 企业微信 (WeCom) group robot: POST the webhook URL (…/cgi-bin/webhook/send?key=…) with
  ``{"msgtype": "markdown", "markdown": {"content": …}}``; content at most 4,096 bytes; answer
  ``{"errcode": 0, "errmsg": "ok"}``; 45009 means the bot's 20 messages a minute are used up.
  WeCom robots do not sign: the key in the URL is the secret.
* 钉钉 (DingTalk) custom robot: ``{"msgtype": "markdown", "markdown": {"title", "text"}}``; with
  加签 on, the URL gets ``timestamp`` (milliseconds) and ``sign`` = URL-encoded
  base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")); answer ``{"errcode": 0}``;
  130101 is "sending too fast" (20 a minute).
* 飞书 (Feishu/Lark) custom bot: ``{"msg_type": "interactive", "card": …}``; with 签名校验 on,
  the body gets ``timestamp`` (seconds, a string) and ``sign`` =
  base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b"")); answer ``{"code": 0}``; 11232
  is the frequency limit.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.parse

from .base import Message, PermanentDeliveryError, Target, TemporaryDeliveryError
from .http import post_json

WECOM_MARKDOWN_MAX_BYTES = 4096
DINGTALK_MARKDOWN_MAX_BYTES = 5000
FEISHU_CARD_MAX_BYTES = 20_000

WECOM_RATE_LIMITED = {45009, 45033, -1}
DINGTALK_RATE_LIMITED = {130101, 130102, -1}
FEISHU_RATE_LIMITED = {11232, 11233, 9499}

# WeCom markdown knows three colours only.
WECOM_COLOURS = {"green": "info", "yellow": "warning", "orange": "warning", "red": "warning"}
FEISHU_TEMPLATES = {"green": "green", "yellow": "yellow", "orange": "orange", "red": "red"}


def truncate_bytes(text: str, limit: int, *, tail: str = "\n…") -> str:
    """`text` cut on a line boundary so its UTF-8 form fits in `limit` bytes (the platforms count bytes)."""
    if len(text.encode()) <= limit:
        return text
    budget = limit - len(tail.encode())
    kept, used = [], 0
    for line in text.split("\n"):
        size = len(line.encode()) + 1
        if used + size > budget:
            break
        kept.append(line)
        used += size
    return "\n".join(kept) + tail


# A group bot shows the markdown summary, or the plain text where a message has none.
_BOT_PARTS = frozenset({"summary", "text"})


def _markdown(message: Message) -> str:
    body = message.summary or message.text
    if message.url and message.url not in body:
        body += f"\n\n[{message.url}]({message.url})"
    return body


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    string_to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), string_to_sign, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret: str, timestamp: int) -> str:
    string_to_sign = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(string_to_sign, b"", hashlib.sha256).digest()).decode()


def _check(code, text: str, rate_limited: set[int]) -> None:
    if code in (0, None):
        return
    error = TemporaryDeliveryError if code in rate_limited else PermanentDeliveryError
    raise error(f"{code}: {text}")


class WeComBackend:
    parts = _BOT_PARTS

    def payload(self, message: Message) -> dict:
        colour = WECOM_COLOURS.get(message.colour, "comment")
        content = f'### <font color="{colour}">{message.subject}</font>\n{_markdown(message)}'
        return {"msgtype": "markdown", "markdown": {"content": truncate_bytes(content, WECOM_MARKDOWN_MAX_BYTES)}}

    def send(self, target: Target, message: Message) -> str:
        answer = post_json(target.address, self.payload(message))
        _check(answer.get("errcode"), answer.get("errmsg", ""), WECOM_RATE_LIMITED)
        return answer.get("errmsg", "ok")


class DingTalkBackend:
    parts = _BOT_PARTS

    def payload(self, message: Message) -> dict:
        text = truncate_bytes(f"### {message.subject}\n\n{_markdown(message)}", DINGTALK_MARKDOWN_MAX_BYTES)
        return {"msgtype": "markdown", "markdown": {"title": message.subject[:64], "text": text}}

    def signed_url(self, target: Target, *, now_ms: int | None = None) -> str:
        if not target.secret:
            return target.address
        timestamp = now_ms if now_ms is not None else int(time.time() * 1000)
        query = urllib.parse.urlencode({"timestamp": timestamp, "sign": dingtalk_sign(target.secret, timestamp)})
        return f"{target.address}{'&' if '?' in target.address else '?'}{query}"

    def send(self, target: Target, message: Message) -> str:
        answer = post_json(self.signed_url(target), self.payload(message))
        _check(answer.get("errcode"), answer.get("errmsg", ""), DINGTALK_RATE_LIMITED)
        return answer.get("errmsg", "ok")


class FeishuBackend:
    parts = _BOT_PARTS

    def payload(self, message: Message, *, secret: str = "", now: int | None = None) -> dict:
        elements = [{"tag": "div", "text": {"tag": "lark_md",
                                            "content": truncate_bytes(message.summary or message.text,
                                                                      FEISHU_CARD_MAX_BYTES)}}]
        if message.url:
            elements.append({"tag": "action", "actions": [{
                "tag": "button", "type": "primary", "url": message.url,
                "text": {"tag": "plain_text", "content": "查看详情"},
            }]})
        payload = {"msg_type": "interactive", "card": {
            "config": {"wide_screen_mode": True},
            "header": {"title": {"tag": "plain_text", "content": message.subject},
                       "template": FEISHU_TEMPLATES.get(message.colour, "blue")},
            "elements": elements,
        }}
        if secret:
            timestamp = now if now is not None else int(time.time())
            payload = {"timestamp": str(timestamp), "sign": feishu_sign(secret, timestamp), **payload}
        return payload

    def send(self, target: Target, message: Message) -> str:
        answer = post_json(target.address, self.payload(message, secret=target.secret))
        code = answer.get("code", answer.get("StatusCode"))
        _check(code, answer.get("msg", answer.get("StatusMessage", "")), FEISHU_RATE_LIMITED)
        return answer.get("msg", "success")

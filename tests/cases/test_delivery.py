"""The delivery interface (cases/delivery): each backend against a real local server."""

import base64
import hashlib
import hmac
import threading
import time

import pytest
from django.core import mail

from cases import delivery
from cases.delivery.webhooks import truncate_bytes
from tests.cases.bot_receiver import BotReceiver

MESSAGE = delivery.Message(
    subject="【整改提醒】县住建局:3 项整改事项需关注", text="全文", html="<p>全文</p>",
    summary="截至 2027-02-22:**3** 项需关注\n> 一是清理规范公务用车 · 已逾期 3 天",
    sms="【整改台账】县住建局:3 项需关注。", url="https://zg.example.gov.cn/my/", colour="red",
)


@pytest.fixture
def receiver():
    server = BotReceiver().start()
    yield server
    server.stop()


def test_wecom_gets_its_markdown_message(receiver):
    target = delivery.Target(channel=delivery.Channel.WECOM, address=receiver.url("/cgi-bin/webhook/send?key=abc"))

    delivery.send(target, MESSAGE)

    (request,) = receiver.received
    assert request.path == "/cgi-bin/webhook/send" and request.query == {"key": "abc"}
    assert request.body["msgtype"] == "markdown"
    content = request.body["markdown"]["content"]
    assert content.startswith('### <font color="warning">【整改提醒】县住建局')
    assert "一是清理规范公务用车" in content and "https://zg.example.gov.cn/my/" in content


def test_dingtalk_signs_timestamp_and_secret_with_hmac_sha256(receiver):
    secret = "SEC0123456789abcdef"
    target = delivery.Target(channel=delivery.Channel.DINGTALK,
                             address=receiver.url("/robot/send?access_token=tok"), secret=secret)

    before = int(time.time() * 1000)
    delivery.send(target, MESSAGE)

    (request,) = receiver.received
    timestamp = request.query["timestamp"]
    assert request.query["access_token"] == "tok" and before <= int(timestamp) <= before + 5000
    expected = base64.b64encode(hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(),
                                         hashlib.sha256).digest()).decode()
    assert request.query["sign"] == expected  # parse_qsl undid the URL encoding
    assert request.body["msgtype"] == "markdown"
    assert request.body["markdown"]["title"] == MESSAGE.subject
    assert "一是清理规范公务用车" in request.body["markdown"]["text"]


def test_dingtalk_without_secret_sends_no_signature(receiver):
    target = delivery.Target(channel=delivery.Channel.DINGTALK, address=receiver.url("/robot/send?access_token=t"))
    delivery.send(target, MESSAGE)
    assert set(receiver.received[0].query) == {"access_token"}


def test_feishu_card_carries_timestamp_and_sign_in_the_body(receiver):
    secret = "feishu-secret"
    target = delivery.Target(channel=delivery.Channel.FEISHU, address=receiver.url("/open-apis/bot/v2/hook/x"),
                             secret=secret)

    delivery.send(target, MESSAGE)

    body = receiver.received[0].body
    timestamp = body["timestamp"]
    assert abs(int(timestamp) - time.time()) < 5
    expected = base64.b64encode(hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()).decode()
    assert body["sign"] == expected
    assert body["msg_type"] == "interactive"
    assert body["card"]["header"]["title"]["content"] == MESSAGE.subject
    assert body["card"]["header"]["template"] == "red"
    button = body["card"]["elements"][1]["actions"][0]
    assert button["url"] == MESSAGE.url


@pytest.mark.parametrize(("channel", "answer", "error"), [
    (delivery.Channel.WECOM, (200, {"errcode": 45009, "errmsg": "api freq out of limit"}),
     delivery.TemporaryDeliveryError),
    (delivery.Channel.WECOM, (200, {"errcode": 93000, "errmsg": "invalid webhook url"}),
     delivery.PermanentDeliveryError),
    (delivery.Channel.DINGTALK, (200, {"errcode": 130101, "errmsg": "send too fast"}),
     delivery.TemporaryDeliveryError),
    (delivery.Channel.DINGTALK, (200, {"errcode": 310000, "errmsg": "sign not match"}),
     delivery.PermanentDeliveryError),
    (delivery.Channel.FEISHU, (200, {"code": 11232, "msg": "frequency limited"}), delivery.TemporaryDeliveryError),
    (delivery.Channel.FEISHU, (200, {"code": 19021, "msg": "sign match fail"}), delivery.PermanentDeliveryError),
    (delivery.Channel.WECOM, (503, {"error": "busy"}), delivery.TemporaryDeliveryError),
    (delivery.Channel.WECOM, (404, {"error": "no such bot"}), delivery.PermanentDeliveryError),
])
def test_platform_errors_are_told_apart_as_temporary_or_permanent(receiver, channel, answer, error):
    receiver.answers.append(answer)
    with pytest.raises(error):
        delivery.send(delivery.Target(channel=channel, address=receiver.url("/hook")), MESSAGE)


def test_unreachable_webhook_is_a_temporary_error():
    with pytest.raises(delivery.TemporaryDeliveryError):
        delivery.send(delivery.Target(channel=delivery.Channel.WECOM, address="http://127.0.0.1:9/hook"), MESSAGE)


def test_sms_gateway_gets_number_text_and_token(receiver, settings):
    settings.SMS_GATEWAY_URL, settings.SMS_GATEWAY_TOKEN = receiver.url("/sms"), "t0ken"
    assert delivery.send(delivery.Target(channel=delivery.Channel.SMS, address="13800000000"), MESSAGE) == "sms-1"
    request = receiver.received[0]
    assert request.headers["Authorization"] == "Bearer t0ken"
    assert request.body == {"to": "13800000000", "text": MESSAGE.sms, "sign": "整改台账"}


def test_sms_gateway_refusal_with_retry_is_temporary(receiver, settings):
    settings.SMS_GATEWAY_URL = receiver.url("/sms")
    receiver.answers.append((200, {"ok": False, "error": "throttled", "retry": True}))
    with pytest.raises(delivery.TemporaryDeliveryError, match="throttled"):
        delivery.send(delivery.Target(channel=delivery.Channel.SMS, address="13800000000"), MESSAGE)


def test_mail_backend_sends_text_html_and_copies(mailoutbox):
    message = delivery.Message(subject="督办函", text="正文", html="<p>正文</p>", cc=("jiwei@example.gov.cn",),
                               attachments=(delivery.Attachment("督办函.docx", b"PK", "application/zip"),))
    delivery.send(delivery.Target(channel=delivery.Channel.EMAIL, address="unit@example.gov.cn"), message)
    (sent,) = mail.outbox
    assert sent.to == ["unit@example.gov.cn"] and sent.cc == ["jiwei@example.gov.cn"]
    assert sent.alternatives[0][0] == "<p>正文</p>" and sent.attachments[0][0] == "督办函.docx"


def test_markdown_is_cut_on_a_line_within_the_platform_byte_limit():
    text = "\n".join(f"> 第{i}项 整改措施" for i in range(1000))
    cut = truncate_bytes(text, 4096)
    assert len(cut.encode()) <= 4096 and cut.endswith("\n…") and "第0项" in cut


def test_concurrent_sends_to_one_receiver_all_arrive(receiver):
    target = delivery.Target(channel=delivery.Channel.WECOM, address=receiver.url("/hook"))
    threads = [threading.Thread(target=delivery.send, args=(target, MESSAGE)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(receiver.received) == 8

"""Decoding fetched bytes: BOM, declared charset (only when it fits), <meta>, then detection by trial."""

from __future__ import annotations

import pytest

from crawlers.encoding import badness, charset_of, codec_name, decode_body, detect

THAI = ("<html><head><meta charset='utf-8'></head><body><p>รับสมัครพนักงานแอดมินออนไลน์ ทำงานที่ปอยเปต "
        "เงินเดือน 35,000 บาท ไม่ต้องมีประสบการณ์ ติดต่อไลน์ @job888</p></body></html>")
SIMPLIFIED = "高薪诚聘 柬埔寨西港 打字员 月薪一万五 包吃包住 机票报销 联系飞机 @xg_hr 不需要经验 年龄18-35岁"
TRADITIONAL = "高薪誠聘 柬埔寨西港 打字員 月薪一萬五 包吃包住 機票報銷 聯繫飛機 不需要經驗 年齡18至35歲 工作輕鬆"
VIETNAMESE = "Tuyển nhân viên văn phòng tại Hà Nội, lương 15 triệu đồng, liên hệ Zalo 0912 345 678."


def test_tis620_thai_declared_as_utf8_comes_out_as_thai() -> None:
    text, encoding = decode_body(THAI.encode("tis-620"), "text/html; charset=UTF-8")
    assert (text, encoding) == (THAI, "cp874")


@pytest.mark.parametrize(("body", "declared", "expected"), [
    (SIMPLIFIED.encode("gb18030"), None, "gb18030"),
    (TRADITIONAL.encode("big5"), None, "big5hkscs"),
    ("Café déjà vu – 5€ “ok”".encode("cp1252"), None, "cp1252"),
    (b"plain ascii caf\xe9", None, "cp1252"),
])
def test_undeclared_bytes_are_detected_by_trial(body: bytes, declared: str | None, expected: str) -> None:
    assert decode_body(body, declared)[1] == expected


def test_a_byte_order_mark_wins_over_everything() -> None:
    assert decode_body(b"\xef\xbb\xbf" + VIETNAMESE.encode(), "text/html; charset=windows-874") == (VIETNAMESE, "utf-8")
    assert decode_body("\ufeffกข".encode("utf-16-le"), None) == ("กข", "utf-16-le")


def test_a_declared_charset_that_fits_is_trusted() -> None:
    assert decode_body(SIMPLIFIED.encode("gb2312"), "text/html; charset=GB2312") == (SIMPLIFIED, "gb18030")
    assert decode_body(THAI.encode("tis-620"), "TIS-620") == (THAI, "cp874")


def test_utf8_declared_as_latin1_is_read_as_utf8() -> None:
    assert decode_body(VIETNAMESE.encode(), "text/html; charset=iso-8859-1") == (VIETNAMESE, "utf-8")


def test_meta_and_xml_declarations_are_used_when_the_header_says_nothing() -> None:
    page = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head>' + SIMPLIFIED
    assert decode_body(page.encode("gb2312"), "text/html") == (page, "gb18030")
    xml = '<?xml version="1.0" encoding="big5"?><a>' + TRADITIONAL + "</a>"
    assert decode_body(xml.encode("big5"), None)[1] == "big5hkscs"
    assert decode_body(xml.encode("big5"), None, html_meta=False)[1] == "big5hkscs"  # found by trial instead


def test_invalid_utf8_keeps_the_good_text_and_marks_the_bad_bytes() -> None:
    body = VIETNAMESE.encode()[:20] + b"\xff\xfe" + VIETNAMESE.encode()[20:]
    text, encoding = decode_body(body, "text/html; charset=utf-8")
    assert encoding == "utf-8"
    assert text.count("\ufffd") == 2 and text.replace("\ufffd", "") == VIETNAMESE


@pytest.mark.parametrize("declared", [None, "", "text/html", "charset=nonsense-42", "rot13", "base64"])
def test_unknown_or_non_text_labels_never_raise(declared: str | None) -> None:
    assert decode_body(b"\x80\x81\xfe\xff", declared)[1] in ("utf-8", "cp874", "gb18030", "big5hkscs", "cp1252")
    assert decode_body(b"", declared) == ("", "utf-8")


def test_labels_map_to_what_browsers_use() -> None:
    assert codec_name("ISO-8859-1") == "cp1252"
    assert codec_name(" 'TIS-620' ") == "cp874"
    assert codec_name("GBK") == "gb18030"
    assert codec_name("rot13") is None
    assert charset_of('text/html; Charset="UTF-8"') == "UTF-8"
    assert charset_of("utf-8") == "utf-8"
    assert charset_of("text/html") is None


def test_badness_prefers_the_right_script() -> None:
    body = THAI.encode("cp874")
    assert badness(body.decode("cp874"), "cp874") == 0
    assert badness(body.decode("cp1252", "replace"), "cp1252") > 0.1
    assert detect(body) == "cp874"

"""Build tests/data/contacts/labelled.jsonl: the labelled set for contact extraction.

    .venv/bin/python tests/data/contacts/make_labelled.py

The set is ``handwritten.jsonl`` (snippets written one by one, tricky cases and negatives)
followed by snippets generated here from the advert templates in ``labelled_templates.py``.
Every generated contact is rendered from a known value, so the expected value comes from the
generator, never from the extractor. Phone numbers are patterned example numbers checked with
``phonenumbers.is_valid_number``; handles, e-mails and sites are invented; wallets come from
``wallets.json`` (make_wallets.py). The output is deterministic (seeded).
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Callable
from pathlib import Path

import phonenumbers

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from labelled_templates import CUES, NEGATIVES, REGION, SCRIPT_DIGITS, TEMPLATES  # noqa: E402

OUT = HERE / "labelled.jsonl"
PROVENANCE = "written for tipwatch"
Expected = list[tuple[str, str]]
Contact = tuple[str, Expected]

PHONES: dict[str, list[str]] = {
    "TH": ["+66812345678", "+66898765432", "+66611112222", "+6621234567", "+66955501234", "+66823334444"],
    "KH": ["+85512345678", "+85592123456", "+855977654321", "+85515888999", "+85510234567"],
    "MM": ["+959250123456", "+959791234567", "+959450012345", "+959977123456"],
    "LA": ["+8562055512345", "+8562022223333", "+8562077788899"],
    "VN": ["+84912345678", "+84987654321", "+84381234567", "+84703111222"],
    "ID": ["+6281234567890", "+6285712345678", "+6281311112222", "+628998765432"],
    "MY": ["+60123456789", "+60198765432", "+60172223333", "+601123456789"],
    "PH": ["+639171234567", "+639281234567", "+639998887777", "+639051112233"],
    "CN": ["+8613800138000", "+8615912345678", "+8618612341234", "+8613912345678"],
    "SG": ["+6581234567", "+6591112222"],
    "JP": ["+819012345678", "+818011112222"],
    "KR": ["+821012345678", "+821098765432"],
    "RU": ["+79123456789", "+79261112233"],
    "AE": ["+971501234567", "+971529876543"],
    "US": ["+12025550123"],
    "HK": ["+85291234567"],
}
EN_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
WORDS = ["job", "work", "hr", "recruit", "career", "team", "asia", "kh", "thai", "vn", "cs", "hiring",
         "apply", "global", "service", "sale", "data", "typing", "agent", "office"]
MAIL_HOSTS = ["gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "qq.com", "163.com", "gmail.com"]


def parse(e164: str) -> phonenumbers.PhoneNumber:
    number = phonenumbers.parse(e164)
    assert phonenumbers.is_valid_number(number), e164
    return number


def national(e164: str) -> str:
    return phonenumbers.format_number(parse(e164), phonenumbers.PhoneNumberFormat.NATIONAL)


def international(e164: str) -> str:
    return phonenumbers.format_number(parse(e164), phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def digits_of(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def in_digits(text: str, alphabet: str) -> str:
    return "".join(alphabet[int(ch)] if ch.isdigit() else ch for ch in text)


def as_words(digits: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(digits):
        if i + 1 < len(digits) and digits[i] == digits[i + 1] and i % 3 == 1:
            out.append("double " + EN_WORDS[int(digits[i])])
            i += 2
        else:
            out.append("oh" if digits[i] == "0" and i == 0 and len(out) % 2 else EN_WORDS[int(digits[i])])
            i += 1
    return " ".join(out)


def with_letters(text: str) -> str:
    """0 → O and 1 → l in a few places (the digits stay recognisable)."""
    chars = list(text)
    positions = [i for i, ch in enumerate(chars) if ch in "01"]
    for i in positions[::2]:
        chars[i] = "O" if chars[i] == "0" else "l"
    return "".join(chars)


NATIONAL_FORMS: dict[str, Callable[[str, str], str]] = {
    "national": lambda e, lang: national(e),
    "compact": lambda e, lang: digits_of(national(e)),
    "dashed": lambda e, lang: "-".join(national(e).replace("-", " ").split()),
    "dotted": lambda e, lang: ".".join(national(e).replace("-", " ").split()),
    "spaced": lambda e, lang: " ".join(digits_of(national(e))),
    "script": lambda e, lang: in_digits(national(e), SCRIPT_DIGITS.get(lang, "０１２３４５６７８９")),
    "fullwidth": lambda e, lang: in_digits(national(e), "０１２３４５６７８９"),
    "keycap": lambda e, lang: "".join(ch + "\ufe0f\u20e3" for ch in digits_of(national(e))),
    "circled": lambda e, lang: in_digits(digits_of(national(e)), "⓪①②③④⑤⑥⑦⑧⑨"),
    "mathbold": lambda e, lang: in_digits(national(e), "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗"),
    "words": lambda e, lang: as_words(digits_of(national(e))),
    "letters": lambda e, lang: with_letters(national(e)),
    "starred": lambda e, lang: "*".join("".join(ch if ch.isdigit() else " " for ch in national(e)).split()),
    "zero_width": lambda e, lang: "\u200b".join(national(e).split()),
    "slashed_pair": lambda e, lang: national(e),
}
INTERNATIONAL_FORMS: dict[str, Callable[[str, str], str]] = {
    "international": lambda e, lang: international(e),
    "e164": lambda e, lang: e,
    "bracketed": lambda e, lang: "(+{}) {}".format(*international(e)[1:].split(" ", 1)),
    "plus_space": lambda e, lang: "+ " + international(e)[1:],
    "double_zero": lambda e, lang: "00" + international(e)[1:],
    "dashed_intl": lambda e, lang: "-".join(international(e).replace("-", " ").split()),
    "script_intl": lambda e, lang: in_digits(international(e), SCRIPT_DIGITS.get(lang, "０１２３４５６７８９")),
}


class Maker:
    """Renders contacts, cycling through every form so that each appears many times."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.counters: dict[str, int] = {}
        self.wallets = json.loads((HERE / "wallets.json").read_text(encoding="utf-8"))

    def cycle(self, name: str, options: list) -> object:
        index = self.counters.get(name, 0)
        self.counters[name] = index + 1
        return options[index % len(options)]

    def word(self) -> str:
        return self.rng.choice(WORDS)

    def handle(self) -> str:
        first, second = self.word(), self.word()
        return self.cycle("handle", [
            f"{first}_{second}{self.rng.randint(1, 99)}",
            f"{first}{second}_{self.rng.randint(10, 2025)}",
            f"{first.capitalize()}{second.capitalize()}{self.rng.randint(1, 9)}",
            f"{first}_{second}_official",
        ])

    def phone_text(self, region: str | None, lang: str, international_only: bool = False) -> tuple[str, str]:
        if region and region in PHONES and not international_only and self.rng.random() < 0.7:
            e164 = self.cycle(f"num{region}", PHONES[region])
            form = self.cycle("national_form", list(NATIONAL_FORMS))
            return NATIONAL_FORMS[form](e164, lang), e164
        region_pool = self.cycle("intl_region", list(PHONES))
        e164 = self.cycle(f"num{region_pool}", PHONES[region_pool])
        form = self.cycle("intl_form", list(INTERNATIONAL_FORMS))
        return INTERNATIONAL_FORMS[form](e164, lang), e164

    def cue(self, lang: str, kind: str) -> str:
        return self.cycle(f"cue{lang}{kind}", CUES[lang][kind])

    # --- contact makers: (text, expected) -------------------------------------------------

    def phone(self, lang: str, region: str | None, foreign: bool) -> Contact:
        text, e164 = self.phone_text(region, lang, foreign)
        return f"{self.cue(lang, 'phone')} {text}", [("phone", e164)]

    def whatsapp(self, lang: str, region: str | None, foreign: bool) -> Contact:
        text, e164 = self.phone_text(region, lang, foreign)
        style = self.cycle("wa", ["cue", "link", "api", "cue", "bracket"])
        digits = e164[1:]
        if style == "link":
            link = self.cycle("walink", [f"wa.me/{digits}", f"https://wa.me/{digits}"])
            return link, [("whatsapp", e164), ("phone", e164)]
        if style == "api":
            return f"https://api.whatsapp.com/send?phone={digits}&text=hi", [("whatsapp", e164), ("phone", e164)]
        if style == "bracket":
            return f"{text} (WhatsApp)", [("whatsapp", e164), ("phone", e164)]
        return f"{self.cue(lang, 'whatsapp')}: {text}", [("whatsapp", e164), ("phone", e164)]

    def telegram(self, lang: str, region: str | None, foreign: bool) -> Contact:
        name = self.handle()
        style = self.cycle("tg", ["at", "link", "https", "bare", "phone", "after", "at", "s"])
        cue = self.cue(lang, "telegram")
        if style == "link":
            return f"t.me/{name}", [("telegram", name.lower())]
        if style == "https":
            return f"https://t.me/{name}", [("telegram", name.lower())]
        if style == "s":
            return f"https://telegram.me/{name}", [("telegram", name.lower())]
        if style == "bare" and ("_" in name or any(ch.isdigit() for ch in name)):
            return f"{cue}: {name}", [("telegram", name.lower())]
        if style == "phone":
            text, e164 = self.phone_text(region, lang, True)
            return f"{cue}: {text}", [("telegram", e164), ("phone", e164)]
        if style == "after":
            return f"@{name} (Telegram)", [("telegram", name.lower())]
        return f"{cue} @{name}", [("telegram", name.lower())]

    def line(self, lang: str, region: str | None, foreign: bool) -> Contact:
        ident = self.cycle("lineid", [f"{self.word()}.{self.word()}{self.rng.randint(1, 99)}",
                                      f"{self.word()}_{self.rng.randint(100, 999)}", f"{self.word()}-{self.word()}88"])
        style = self.cycle("line", ["cue", "link", "oa", "cue", "at"])
        if style == "link":
            return f"line.me/ti/p/~{ident}", [("line", ident)]
        if style == "oa":
            return f"https://line.me/R/ti/p/@{ident}", [("line", ident)]
        if style == "at":
            return f"{self.cue(lang, 'line')} @{ident}", [("line", ident)]
        return f"{self.cue(lang, 'line')} {ident}", [("line", ident)]

    def wechat(self, lang: str, region: str | None, foreign: bool) -> Contact:
        style = self.cycle("wechat", ["id", "phone", "id", "id"])
        cue = self.cue(lang, "wechat")
        if style == "phone":
            e164 = self.cycle("numCN", PHONES["CN"])
            text = national(e164) if region == "CN" else international(e164)
            return f"{cue} {text}", [("wechat", e164), ("phone", e164)]
        ident = f"{self.word()}{self.cycle('wxsep', ['_', '', '-'])}{self.word()}{self.rng.randint(10, 999)}"
        if not ident[0].isalpha() or len(ident) < 6:
            ident = "wx" + ident
        return f"{cue} {ident}", [("wechat", ident.lower())]

    def signal(self, lang: str, region: str | None, foreign: bool) -> Contact:
        style = self.cycle("signal", ["phone", "link", "user"])
        if style == "user":
            user = f"{self.word()}_{self.word()}.{self.rng.randint(10, 99)}"
            return f"Signal: {user}", [("signal", user)]
        text, e164 = self.phone_text(region, lang, True)
        if style == "link":
            return f"https://signal.me/#p/{e164}", [("signal", e164), ("phone", e164)]
        return f"{self.cue(lang, 'signal')} {text}", [("signal", e164), ("phone", e164)]

    def email(self, lang: str, region: str | None, foreign: bool) -> Contact:
        local = f"{self.word()}.{self.word()}{self.rng.randint(1, 99)}"
        host = self.cycle("mailhost", MAIL_HOSTS)
        name, tld = host.split(".", 1)
        value = f"{local}@{host}".lower()
        forms = [f"{local}@{host}", f"{local} [at] {name} [dot] {tld}", f"{local}(at){name}(dot){tld}",
                 f"{local} @ {name} . {tld}", f"{local.upper()}@{host.upper()}", f"{local}{{at}}{name}{{dot}}{tld}"]
        if name in ("gmail", "yahoo", "hotmail", "outlook", "qq", "163"):
            forms.append(f"{local} at {name} dot {tld}")
        if lang == "th":
            forms.append(f"{local} แอท {name} ดอท {tld}")
        return f"{self.cue(lang, 'email')} {self.cycle('emailform', forms)}", [("email", value)]

    def social(self, lang: str, region: str | None, foreign: bool) -> Contact:
        user = f"{self.word()}.{self.word()}{self.rng.randint(1, 99)}"
        style = self.cycle("social", ["fb", "ig", "tt", "fbid", "ig_at", "tt_at", "fbgroup", "tt", "msgr", "igstory",
                                      "ig"])
        if style == "ig_at":
            return f"{self.cycle('igcue', ['IG:', 'Instagram', 'Insta:'])} @{user}", [("instagram", user.lower())]
        if style == "tt_at":
            return f"{self.cycle('ttcue', ['TikTok:', 'Tiktok', 'tiktok'])} @{user}", [("tiktok", user.lower())]
        if style == "fb":
            return f"https://www.facebook.com/{user}", [("facebook", user.lower())]
        if style == "fbid":
            ident = str(100000000000000 + self.rng.randint(0, 99999999))
            return f"facebook.com/profile.php?id={ident}", [("facebook", ident)]
        if style == "fbgroup":
            group = f"{self.word()}{self.word()}jobs"
            return f"https://web.facebook.com/groups/{group}/", [("facebook", f"groups/{group}")]
        if style == "msgr":
            return f"m.me/{user}", [("facebook", user.lower())]
        if style == "ig":
            return f"IG: instagram.com/{user}", [("instagram", user.lower())]
        if style == "igstory":
            return f"https://www.instagram.com/stories/{user}/", [("instagram", user.lower())]
        return f"https://www.tiktok.com/@{user}", [("tiktok", user.lower())]

    def url(self, lang: str, region: str | None, foreign: bool) -> Contact:
        site = f"{self.word()}-{self.word()}-jobs"
        written, value = self.cycle("site", [
            (f"https://www.{site}.com/apply", f"https://www.{site}.com/apply"),
            (f"http://{site}.asia/form?id=12", f"http://{site}.asia/form?id=12"),
            (f"www.{site}.net/careers", f"www.{site}.net/careers"),
            (f"https://{site}.co.th/", f"https://{site}.co.th/"),
            (f"https://bit.ly/{site[:6]}X9", f"https://bit.ly/{site[:6]}X9"),
            (f"HTTPS://WWW.{site.upper()}.COM/Apply", f"https://www.{site}.com/Apply"),
        ])
        return f"{written}.", [("url", value)]

    def wallet(self, lang: str, region: str | None, foreign: bool) -> Contact:
        kind = self.cycle("walletkind", ["trx", "btc_p2pkh", "eth_checksum", "trx", "btc_p2wpkh", "btc_p2sh",
                                         "eth_lower", "trx", "btc_taproot", "eth_checksum", "btc_p2wsh"])
        address = self.cycle(f"wallet{kind}", self.wallets[kind])
        label = {"trx": "USDT (TRC20)", "eth_checksum": "USDT ERC20", "eth_lower": "ETH"}.get(kind, "BTC")
        return f"{label}: {address}", [(kind.split("_")[0], address)]


MAKERS = ["phone", "whatsapp", "telegram", "phone", "line", "email", "wechat", "social", "telegram", "whatsapp",
          "social", "url", "signal", "wallet", "phone", "email", "wallet"]


def record(text: str, country: str | None, language: str, expected: Expected) -> dict:
    return {"text": text, "country": country, "language": language,
            "expected": [{"kind": kind, "value": value} for kind, value in expected], "provenance": PROVENANCE}


def generated() -> list[dict]:
    maker = Maker(2025)
    out: list[dict] = []
    foreign_country = {"th": "KH", "km": "TH", "my": "TH", "lo": "TH", "vi": "KH", "id": "MY", "ms": "ID",
                       "tl": "AE", "zh": "KH", "en": "PH", "ko": "KH", "ja": "TH", "ru": "TH", "ar": "TH"}
    en_countries = ["TH", "KH", "PH", "MY", "SG", None, "AE"]
    for lang, templates in TEMPLATES.items():
        variants = 8 if len(templates) <= 3 else 7
        for t_index, template in enumerate(templates):
            for v in range(variants):
                slot = (t_index + v) % 6
                if lang == "en":
                    country = en_countries[(t_index + v) % len(en_countries)]
                else:
                    country = REGION[lang] if slot < 4 else (None if slot == 4 else foreign_country[lang])
                foreign = country is not None and country != REGION[lang]
                region = country if lang == "en" else (REGION[lang] if not foreign else None)
                contacts: list[Contact] = []
                for _ in range(template.count("{")):
                    kind = maker.cycle("maker", MAKERS)
                    contacts.append(getattr(maker, kind)(lang, region, foreign))
                texts = [text for text, _ in contacts]
                text = template.format(c=texts[0], d=texts[1] if len(texts) > 1 else "")
                expected = [pair for _, pairs in contacts for pair in pairs]
                out.append(record(text, country, lang, expected))
    for lang, texts in NEGATIVES.items():
        for text in texts:
            out.append(record(text, REGION[lang], lang, []))
    wallets = maker.wallets
    for i in range(12):
        lang = ["en", "zh", "th", "vi"][i % 4]
        label = ["USDT TRC20", "BTC", "ETH"][i % 3]
        broken = {"USDT TRC20": "invalid_trx", "BTC": "invalid_btc", "ETH": "invalid_eth"}[label]
        bad = wallets[broken][i]
        out.append(record(f"{TEMPLATES[lang][0].split('{')[0]} {label}: {bad}", REGION[lang], lang, []))
    return out


def main() -> None:
    handwritten = [json.loads(line) for line in (HERE / "handwritten.jsonl").read_text(encoding="utf-8").splitlines()
                   if line.strip()]
    records = handwritten + generated()
    with OUT.open("w", encoding="utf-8") as handle:
        for item in records:
            handle.write(json.dumps(item, ensure_ascii=False) + "\n")
    print(f"wrote {len(records)} snippets ({len(handwritten)} hand-written) to {OUT}")


if __name__ == "__main__":
    main()

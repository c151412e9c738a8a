"""Advert templates and contact cues per language, written for tipwatch (used by make_labelled.py).

Templates imitate the public recruitment posts described in shared/research/enrichment.md §4:
destination, job title, pay and perks, urgency, then the contact block ``{c}`` (and sometimes a
second one ``{d}``). Salaries, ages, dates, heights and counts in the templates are deliberate
distractors: none of them is a contact. ``NEGATIVES`` hold complete posts with no contact at all.
Non-English wording is a best effort and has not been reviewed by native speakers.
"""

from __future__ import annotations

TEMPLATES: dict[str, list[str]] = {
    "th": [
        ("📢 รับสมัครด่วน! แอดมินออนไลน์ ทำงานที่ปอยเปต กัมพูชา เงินเดือน 35,000-50,000 บาท อายุ "
         "18-35 ปี ไม่ต้องมีประสบการณ์ มีที่พักฟรี อาหาร 3 มื้อ สนใจติดต่อ {c}"),
        "งานพิมพ์ข้อมูล ทำที่บ้านได้ รายได้วันละ 800-1,500 บาท เริ่มงาน 1/12/2025 สอบถามเพิ่มเติม {c}",
        ("บริษัทต่างประเทศเปิดรับพนักงานคอลเซ็นเตอร์ 20 อัตรา ฟรีตั๋วเครื่องบิน ทำวีซ่าให้ "
         "สมัครได้ที่ {c} หรือ {d}"),
        "หางานเมียวดี? ตำแหน่งมาร์เก็ตติ้ง เงินเดือนเริ่ม 1,200 USD + คอมมิชชั่น ติดต่อ: {c}",
        "ประกาศ! รับคนพูดภาษาอังกฤษได้ งานสบาย รายได้ดี ส่งประวัติมาที่ {c} ด่วนภายใน 15 ธ.ค. นี้",
        "ต้องการพนักงานขายออนไลน์ประจำสาขาสีหนุวิลล์ ส่วนสูง 160 ซม.ขึ้นไป ติดต่อคุณแอน {c} / {d}",
    ],
    "km": [
        ("ក្រុមហ៊ុនត្រូវការបុគ្គលិកផ្នែកលក់តាមអនឡាញ ប្រាក់ខែ 800-1500$ អាយុ 18-30 ឆ្នាំ "
         "ស្នាក់នៅឥតគិតថ្លៃ ទំនាក់ទំនង {c}"),
        "ជ្រើសរើសបុគ្គលិកវាយអក្សរ ១០ នាក់ ធ្វើការនៅក្រុងព្រះសីហនុ ចាប់ផ្តើម 01/12/2025 សូមទាក់ទង {c}",
        "ការងារងាយស្រួល ប្រាក់ចំណូលខ្ពស់ មិនត្រូវការបទពិសោធន៍ ទាក់ទងតាម {c} ឬ {d}",
        "📣 ត្រូវការអ្នកបកប្រែភាសាចិន-ខ្មែរ ប្រាក់ខែ 1,000 ដុល្លារ ម៉ោងធ្វើការ 8:00-17:00 ព័ត៌មានបន្ថែម {c}",
        "រកការងារនៅប៉ោយប៉ែត? ក្រុមហ៊ុនកាស៊ីណូត្រូវការបុគ្គលិក 50 នាក់ ទំនាក់ទំនង៖ {c}",
    ],
    "my": [
        ("ထိုင်းနိုင်ငံတွင် အလုပ်ခေါ်နေပါသည် လစာ 25000 ဘတ် အသက် ၁၈ နှစ်မှ ၃၅ နှစ်အထိ စားနေရေးအခမဲ့ "
         "ဆက်သွယ်ရန် {c}"),
        "မြဝတီတွင် ကွန်ပျူတာ စာရိုက်ဝန်ထမ်း ၂၀ ဦး အမြန်ခေါ်ယူမည် ဆက်သွယ်ရန် {c} သို့မဟုတ် {d}",
        "အွန်လိုင်း ဈေးရောင်းဝန်ထမ်း လစာ $800 အတွေ့အကြုံ မလိုပါ ဖုန်း {c}",
        "📢 တရုတ်စကားပြော ဘာသာပြန် လိုအပ်သည် 1.12.2025 မှ စတင်မည် ဆက်သွယ်ရန် - {c}",
        "KK ပန်းခြံအနီးတွင် အလုပ်ရှိသည် ခရီးစရိတ်အခမဲ့ စုံစမ်းရန် {c}",
    ],
    "lo": [
        "ຮັບສະໝັກພະນັກງານຂາຍອອນໄລນ໌ ເງິນເດືອນ 5,000,000 ກີບ ອາຍຸ 18-35 ປີ ມີບ່ອນພັກຟຣີ ຕິດຕໍ່ {c}",
        "ບໍລິສັດໃນເຂດເສດຖະກິດພິເສດສາມຫຼ່ຽມຄຳ ຕ້ອງການພະນັກງານພິມເອກະສານ 30 ຄົນ ຕິດຕໍ່: {c}",
        "ວຽກງ່າຍ ລາຍໄດ້ດີ ບໍ່ຕ້ອງມີປະສົບການ ສົນໃຈຕິດຕໍ່ {c} ຫຼື {d}",
        "📢 ຕ້ອງການນາຍແປພາສາຈີນ ເລີ່ມວຽກ 01/12/2025 ເງິນເດືອນ 1000$ ສອບຖາມ {c}",
    ],
    "vi": [
        ("Tuyển gấp 20 nhân viên CSKH làm việc tại Campuchia, lương 1000-1500$, bao ăn ở, bao vé máy "
         "bay. Liên hệ {c}"),
        "Việc nhẹ lương cao, không cần kinh nghiệm, tuổi 18-30. Inbox hoặc gọi {c}",
        ("Cần tuyển nhân viên nhập liệu online, thu nhập 15-20 triệu/tháng, làm từ 01/12/2025. Liên "
         "hệ: {c} hoặc {d}"),
        "🔥 Tuyển dụng marketing online tại Myanmar, lương 1.200 USD + thưởng. Zalo/SĐT {c}",
        "Công ty cần 5 phiên dịch tiếng Trung, cao từ 1m60, hồ sơ gửi về {c}",
        "Tuyển sale chat 8 tiếng/ngày, nghỉ 4 ngày/tháng, lương cứng 800$. Liên hệ ngay: {c}",
    ],
    "id": [
        ("Lowongan kerja di Kamboja! Admin online, gaji 12-15 juta/bulan, usia 18-35 tahun, tiket "
         "pesawat ditanggung, mess gratis. Hubungi {c}"),
        "Dibutuhkan segera 10 orang customer service untuk Thailand, tanpa pengalaman. Info lengkap: {c}",
        "Loker entri data kerja dari rumah, penghasilan Rp 500.000/hari. Daftar sekarang: {c} atau {d}",
        "🔥 Lowongan marketing online di Myawaddy, gaji $1000 + bonus, berangkat 15/12/2025. Kontak: {c}",
        "Perusahaan butuh penerjemah Mandarin, tinggi min 155 cm. Kirim CV ke {c}",
    ],
    "ms": [
        ("Jawatan kosong di Kemboja! Admin online, gaji RM3,500-RM5,000 sebulan, umur 18-35, tiket "
         "kapal terbang percuma. Hubungi {c}"),
        "Kerja taip data dari rumah, pendapatan RM150 sehari, mula 1 Disember 2025. Sila hubungi {c}",
        ("Syarikat memerlukan 15 orang khidmat pelanggan, tiada pengalaman diperlukan. Maklumat "
         "lanjut {c} atau {d}"),
        "📢 Peluang kerja di Thailand, elaun penginapan disediakan, gaji USD 1,200. Maklumat: {c}",
        "Pembantu jualan online diperlukan segera. Hantar resume ke {c}",
    ],
    "tl": [
        ("HIRING! Customer service representative sa Cambodia, sahod 50,000-70,000 PHP kada buwan, "
         "edad 21-35, libre ang pamasahe at tirahan. Mag-message sa {c}"),
        "Naghahanap kami ng 20 data encoder, walang experience na kailangan. Para sa detalye, tawagan {c}",
        "Work abroad sa Thailand, libreng visa at plane ticket, sahod $900. I-chat lang sa {c} o {d}",
        "📢 Call center agent, start 12/01/2025, 5 days a week. Apply na! {c}",
        "Kailangan ng chat support na marunong mag-English. Ipadala ang resume sa {c}",
    ],
    "zh": [
        "🔥高薪招聘 柬埔寨西港 网络客服 月薪3万+提成 包吃包住 包机票 18-35岁 无需经验 联系{c}",
        "急招打字员 会用电脑就能做 月入过万 轻松办公 有意者加{c}",
        "缅甸妙瓦底招聘推广专员 底薪8000-12000元 年龄20-35岁 入职时间2025年12月1日 咨询{c} 或 {d}",
        "迪拜招聘中文客服 学历不限 帮办签证 报销机票 详情{c}",
        "金三角高薪招聘翻译 身高160cm以上 待遇面议 联系方式：{c}",
        "老挝招聘业务员 USDT结算 日结 有意者{c}",
    ],
    "en": [
        ("URGENT HIRING: Customer Service Representatives for our Bangkok office (relocation to "
         "Cambodia). Salary USD 1,200-1,500/month, free accommodation, flight and visa provided. Age "
         "18-35. Contact {c}"),
        "Data entry job, work from home, earn $200/day. No experience needed! Message {c}",
        ("We are hiring 30 Digital Sales and Marketing Executives in Myawaddy. Start date 01/12/2025. "
         "Typing test required. Apply via {c} or {d}"),
        ("Translator (Chinese-English) wanted, 6 days/week, 12-hour shifts, 2,000 USDT monthly. Reach "
         "us at {c}"),
        "Looking for game testers in Dubai, 25 positions, $1,500 + commission. DM {c}",
        "Easy online job, typing only, paid daily. Details: {c}",
    ],
    "ko": [
        "캄보디아 고수익 알바 모집 월 500만원 숙식 제공 항공권 지원 나이 20-35세 연락처 {c}",
        "해외 고객센터 상담원 모집 경력 무관 2025년 12월 1일 출국 문의 {c} 또는 {d}",
        "태국 온라인 마케팅 채용 월급 3,000달러 문의는 {c}",
    ],
    "ja": [
        "カンボジアで高収入のお仕事 月給50万円 寮完備 航空券支給 18〜35歳 お問い合わせ {c}",
        "簡単な入力作業 在宅OK 日給2万円 未経験歓迎 ご連絡は{c}",
        "タイでのカスタマーサポート募集 2025年12月1日開始 詳細は{c}まで",
    ],
    "ru": [
        ("Работа в Камбодже! Оператор колл-центра, зарплата 1500-2000$, жильё и перелёт за счёт "
         "компании, возраст 20-35. Пишите {c}"),
        "Набор переводчиков с китайским языком, график 6/1, старт 01.12.2025. Контакты: {c}",
        "Удалённая работа, ввод данных, доход от 3000 руб в день. Подробности {c} или {d}",
    ],
    "ar": [
        "مطلوب موظفي خدمة عملاء في دبي، راتب 5000 درهم، سكن مجاني، العمر 20-35. للتواصل {c}",
        "وظيفة عمل من المنزل، إدخال بيانات، دخل 200 دولار يوميًا. تواصل معنا {c}",
        "فرصة عمل في تايلاند، تذكرة طيران مجانية، البدء 01/12/2025. للاستفسار {c} أو {d}",
    ],
}

CUES: dict[str, dict[str, list[str]]] = {
    "th": {"phone": ["โทร", "เบอร์โทร", "ติดต่อ"], "whatsapp": ["วอทส์แอพ", "WhatsApp"],
           "telegram": ["เทเลแกรม", "Telegram"], "line": ["ไลน์:", "ไอดีไลน์", "Line ID:"],
           "wechat": ["WeChat:"], "signal": ["Signal:"], "email": ["อีเมล", "Email:"]},
    "km": {"phone": ["ទូរស័ព្ទ", "លេខ", "Tel:"], "whatsapp": ["WhatsApp", "វ៉ាត់សាប់"],
           "telegram": ["តេឡេក្រាម", "Telegram"], "line": ["Line ID:"], "wechat": ["WeChat:"],
           "signal": ["Signal:"], "email": ["អ៊ីមែល", "Email:"]},
    "my": {"phone": ["ဖုန်း", "Ph:"], "whatsapp": ["WhatsApp"], "telegram": ["Telegram", "တယ်လီဂရမ်"],
           "line": ["Line ID:"], "wechat": ["WeChat:"], "signal": ["Signal:"], "email": ["Email:"]},
    "lo": {"phone": ["ໂທ", "Tel:"], "whatsapp": ["WhatsApp", "ວັອດແອັບ"], "telegram": ["ເທເລແກຣມ", "Telegram"],
           "line": ["Line ID:"], "wechat": ["WeChat:"], "signal": ["Signal:"], "email": ["Email:"]},
    "vi": {"phone": ["SĐT", "ĐT:", "Hotline"], "whatsapp": ["WhatsApp"], "telegram": ["Tele:", "Telegram"],
           "line": ["Line:"], "wechat": ["Wechat:"], "signal": ["Signal:"], "email": ["Email:", "Mail"]},
    "id": {"phone": ["Telp", "HP", "No. HP"], "whatsapp": ["WA", "Whatsapp"], "telegram": ["Tele", "Telegram"],
           "line": ["Line ID:"], "wechat": ["WeChat:"], "signal": ["Signal:"], "email": ["Email:", "email"]},
    "ms": {"phone": ["Tel:", "Hubungi"], "whatsapp": ["WhatsApp", "WA"], "telegram": ["Telegram"],
           "line": ["Line ID:"], "wechat": ["WeChat:"], "signal": ["Signal:"], "email": ["Emel:", "Email:"]},
    "tl": {"phone": ["Tel:", "CP"], "whatsapp": ["WhatsApp"], "telegram": ["Telegram"], "line": ["Line ID:"],
           "wechat": ["WeChat:"], "signal": ["Signal:"], "email": ["Email:"]},
    "zh": {"phone": ["电话", "手机", "電話"], "whatsapp": ["WhatsApp"],
           "telegram": ["飞机", "电报", "纸飞机", "TG"],
           "line": ["Line:"], "wechat": ["微信", "V信：", "vx:", "微信号："], "signal": ["Signal:"],
           "email": ["邮箱", "Email:"]},
    "en": {"phone": ["Call", "Tel:", "Phone:"], "whatsapp": ["WhatsApp", "WA:"], "telegram": ["Telegram", "TG:"],
           "line": ["Line ID:", "LINE:"], "wechat": ["WeChat:", "WeChat ID:"], "signal": ["Signal:", "Signal"],
           "email": ["email", "Email:"]},
    "ko": {"phone": ["전화", "연락처"], "whatsapp": ["WhatsApp"], "telegram": ["텔레그램", "텔레"], "line": ["라인"],
           "wechat": ["위챗"], "signal": ["Signal:"], "email": ["이메일"]},
    "ja": {"phone": ["電話", "TEL:"], "whatsapp": ["WhatsApp"], "telegram": ["テレグラム"],
           "line": ["LINE ID：", "ライン"],
           "wechat": ["WeChat:"], "signal": ["Signal:"], "email": ["メール"]},
    "ru": {"phone": ["Тел.", "Телефон"], "whatsapp": ["Ватсап", "WhatsApp"], "telegram": ["Телеграм", "ТГ"],
           "line": ["Line:"], "wechat": ["WeChat:"], "signal": ["Signal:"], "email": ["Почта:"]},
    "ar": {"phone": ["هاتف", "اتصل"], "whatsapp": ["واتساب", "WhatsApp"], "telegram": ["تيليجرام", "Telegram"],
           "line": ["Line:"], "wechat": ["WeChat:"], "signal": ["Signal:"], "email": ["البريد:"]},
}

REGION: dict[str, str | None] = {
    "th": "TH", "km": "KH", "my": "MM", "lo": "LA", "vi": "VN", "id": "ID", "ms": "MY", "tl": "PH",
    "zh": "CN", "en": None, "ko": "KR", "ja": "JP", "ru": "RU", "ar": "AE",
}
"""The region a post in each language is usually about (its source country when one is given)."""

SCRIPT_DIGITS: dict[str, str] = {
    "th": "๐๑๒๓๔๕๖๗๘๙", "km": "០១២៣៤៥៦៧៨៩", "lo": "໐໑໒໓໔໕໖໗໘໙", "my": "၀၁၂၃၄၅၆၇၈၉",
    "ar": "٠١٢٣٤٥٦٧٨٩", "ur": "۰۱۲۳۴۵۶۷۸۹",
}

NEGATIVES: dict[str, list[str]] = {
    "th": [
        ("รับสมัครพนักงานร้านอาหาร เงินเดือน ฿15,000 - ฿18,000 อายุ 18-35 ปี เริ่มงาน 12/05/2025 "
         "สมัครได้ที่ร้าน"),
        "ขายคอนโด 2,590,000 บาท ขนาด 35 ตร.ม. ชั้น 12 ปี 2024 สนใจแวะชมได้ทุกวัน",
        "เลขที่ใบสั่งซื้อ 0812345678 จัดส่งภายใน 3-5 วัน ยอดรวม 1,250 บาท",
        "โอนเงินเข้าบัญชี เลขบัญชี 081-2-34567-8 ธนาคารกสิกร จำนวน 5,000 บาท",
        "งานออนไลน์ ทำที่บ้าน รายได้ 300-500 บาท/วัน เวลา 09:00-18:00 น.",
    ],
    "km": [
        "តម្លៃ 25,000៛ ក្នុងមួយគីឡូ ថ្ងៃទី 12/05/2025 ចាប់ពីម៉ោង 7:30",
        "ប្រាក់ខែ 300-450 ដុល្លារ អាយុ 20-40 ឆ្នាំ ធ្វើការ 6 ថ្ងៃក្នុងមួយសប្តាហ៍",
    ],
    "my": [
        "လစာ ၃၀၀၀၀၀ ကျပ် အသက် ၁၈-၃၀ နှစ် ၂၀၂၅ ခုနှစ် ဒီဇင်ဘာလ ၁ ရက်နေ့ စတင်မည်",
        "ဈေးနှုန်း 15000 ကျပ် အော်ဒါနံပါတ် 9250123456 ကို မှတ်ထားပါ",
    ],
    "lo": [
        "ລາຄາ 150,000 ກີບ ວັນທີ 12/05/2025 ເວລາ 8:00-17:00",
    ],
    "vi": [
        "Lương 8.000.000 - 12.000.000 VNĐ/tháng, tuổi 18-35, làm từ 01/12/2025 đến 31/12/2026.",
        "Mã đơn hàng 0912345678, tổng tiền 350.000đ, giao trong 2-3 ngày.",
        "Số tài khoản 0987654321 Vietcombank, nội dung chuyển khoản: tên + SĐT.",
    ],
    "id": [
        "Gaji Rp 4.500.000 - Rp 6.000.000, usia 18-35 tahun, tinggi badan min 160 cm, penempatan 2025.",
        "No. rekening 0812345678901 BCA a.n. PT Maju, nomor pesanan 0857123456",
    ],
    "ms": [
        "Gaji RM2,800 - RM3,500 sebulan, umur 18-40 tahun, tarikh temuduga 12/05/2025 jam 10:00 pagi.",
    ],
    "tl": [
        "Sahod 18,000-25,000 PHP, edad 18-35, interview sa 12/05/2025, 9:00 AM hanggang 5:00 PM.",
    ],
    "zh": [
        "月薪8000-12000元 年龄18-35岁 2025年12月1日入职 每月休4天 订单号13800138000",
        "价格¥1,299 原价¥2,599 限时3天 销量12000+",
        "银行账号6222021234567890123 开户行工商银行",
    ],
    "en": [
        "Salary 8000-12000 USD, age 18-35, start 12/05/2025. Apply in person at our office.",
        "Order #0812345678 shipped on 2025-05-12, total $1,299.00, tracking AWB 7712345678.",
        ("Version 2.0.1 released 12.05.2025; ASP.NET, Node.js and C# developers needed, e.g. for "
         "CV.pdf parsing."),
        "Invalid wallet examples are never contacts.",
        "Call center open 24/7, 365 days a year, 1,000+ seats, 98.6% satisfaction, room 1203.",
        "Height 170-185 cm, weight 60-80 kg, shoe size 42, IELTS 6.5, GPA 3.25/4.00.",
        "Bank account 1234567890 (Kasikorn), SWIFT KASITHBK, invoice INV-2025-0012345.",
    ],
    "ko": [
        "월급 300만원 ~ 500만원, 나이 20-35세, 2025년 12월 1일 시작, 주 5일 근무.",
    ],
    "ja": [
        "月給30万円～50万円、年齢18～35歳、2025年12月1日開始、週休2日。",
    ],
    "ru": [
        "Зарплата 1500-2000$, возраст 20-35, старт 01.12.2025, номер заказа 89123456789.",
    ],
    "ar": [
        "الراتب 5000-7000 درهم، العمر 20-35، تاريخ البدء 01/12/2025.",
    ],
}

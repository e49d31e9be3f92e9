"""Pure tests of the catalogue normalisation helpers, on raw strings taken from the data."""

import pytest

from procedures.catalogue.normalize import (
    CATCH_ALL_FIELD,
    DEFAULT_COMPONENTS,
    agency_kind,
    choose_field_names,
    clean_text,
    default_steps,
    field_display_name,
    field_key,
    fold,
    infer_field_name,
    is_abolished_status,
    is_component_text,
    is_level_tagged,
    parse_component,
    parse_components,
    parse_fee,
    parse_level,
    parse_processing_time,
    parse_service_level,
    slug_code,
    stable_hash,
    truncate,
    typical_components,
    typical_time,
    unique_codes,
)

# ---------------------------------------------------------------- text helpers


def test_clean_text_and_fold():
    assert clean_text(None) == ""
    assert clean_text("  Hộ\u00a0 tịch \n") == "Hộ tịch"
    # decomposed (NFD) input is recomposed
    assert clean_text("Ho\u0323\u0302 ti\u0323ch") == "Hộ tịch"
    assert fold("Đất đai") == "dat dai"
    assert fold("Thuỷ lợi") == fold("Thủy lợi") == "thuy loi"


def test_truncate_and_stable_hash():
    assert truncate("abc", 10) == "abc"
    cut = truncate("x" * 2000, 1000)
    assert len(cut) == 1000 and cut.endswith("…")
    assert stable_hash("1.001193") == stable_hash("1.001193")
    assert stable_hash("1.001193") != stable_hash("1.001194")


# ---------------------------------------------------------------- processing time


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("5 Ngày làm việc", (5, "working_days")),
        ("07 Ngày làm việc", (7, "working_days")),
        ("30 Ngày", (30, "days")),
        ("1 Giờ", (1, "working_hours")),
        ("01 Giờ", (1, "working_hours")),
        ("0 Giờ", (0, "working_hours")),
        ("0.5 Giờ", (0.5, "working_hours")),
        # Months stay months: "N tháng" ends on the corresponding day of the Nth month (Civil
        # Code 2015 art. 148(3)), not after 30 x N days (core.calendar does the arithmetic).
        ("12 Tháng", (12, "months")),
        ("6 Tháng", (6, "months")),
        ("03 tháng kể từ ngày nhận đủ hồ sơ hợp lệ", (3, "months")),
        # compared with other alternatives as about 30 days a month (only to pick the longest)
        ("3 Tháng (Trực tiếp); 60 Ngày (Trực tuyến)", (3, "months")),
        ("1 Tháng (Trực tiếp); 45 Ngày (Trực tuyến)", (45, "days")),
        # bare numbers: working days
        ("1", (1, "working_days")),
        ("120", (120, "working_days")),
        ("120,000", (120, "working_days")),
        ("10-25", (25, "working_days")),
        # per channel: the longest, compared in calendar days
        ("1 Ngày làm việc (Trực tiếp); 02 Giờ (Trực tuyến)", (1, "working_days")),
        ("6 Ngày làm việc (Trực tuyến, Trực tiếp); 40 Ngày (Dịch vụ bưu chính)", (40, "days")),
        ("01 Giờ (Trực tiếp); 0.5 Giờ (Trực tiếp)", (1, "working_hours")),
        ("15 Ngày làm việc (Dịch vụ bưu chính); 1 (Trực tiếp)", (15, "working_days")),
        # implausible bare numbers are dropped, the rest kept
        ("1 (Trực tuyến); 1500 (Trực tiếp)", (1, "working_days")),
        ("1 (Trực tuyến); 1100 (Dịch vụ bưu chính); 1100,000 (Trực tiếp)", (1, "working_days")),
        # free text
        ("02 ngày làm việc kể từ ngày nhận được hồ sơ hợp lệ.", (2, "working_days")),
        ("28 ngày kể từ ngày nhận được hồ sơ hợp lệ.", (28, "days")),
        (
            "Không quá 02 (hai) ngày làm việc, kể từ ngày nhận đủ hồ sơ yêu cầu chứng thực hoặc có "
            "thể kéo dài hơn theo thỏa thuận bằng văn bản với người yêu cầu chứng thực.",
            (2, "working_days"),
        ),
        (
            "- 10 ngày làm việc, kể từ ngày nhận đủ hồ sơ hợp lệ theo quy định trong trường hợp "
            "chấp thuận nhu cầu và cấp giấp phép lao động. - 03 ngày làm việc, kể từ ngày nhận đủ "
            "hồ sơ trong trường hợp không chấp thuận",
            (10, "working_days"),
        ),
        (
            "Thời hạn thực hiện yêu cầu chứng thực là ngay trong ngày cơ quan, tổ chức tiếp nhận "
            "yêu cầu hoặc trong ngày làm việc tiếp theo nếu tiếp nhận yêu cầu sau 15 giờ.",
            (1, "working_days"),
        ),
        ("Ngay sau khi nhận đủ hồ sơ hợp lệ", (0, "working_hours")),
    ],
)
def test_parse_processing_time(raw, expected):
    value, unit = parse_processing_time(raw)
    assert (value, unit) == expected
    assert value >= 0


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "Không quy định",
        "1200",
        "Chậm nhất là ngay trước khi tàu rời cảng",
        "Kết thúc trước khi tàu cập cảng hoặc vào vị trí neo đậu an toàn tại cảng.",
        "Thủ tục nhập cảnh được coi là kết thúc kể từ khi người làm thủ tục nộp đầy đủ các giấy "
        "tờ theo quy định.",
    ],
)
def test_parse_processing_time_unusable(raw):
    assert parse_processing_time(raw) is None


def test_processing_time_int_preferred():
    value, _ = parse_processing_time("5 Ngày làm việc")
    assert isinstance(value, int)


# ---------------------------------------------------------------- fees


@pytest.mark.parametrize(
    "raw",
    [
        "Miễn phí",
        "Phí : 0 Đồng",
        "Lệ phí : 0 Đồng",
        "Phí : Không Đồng",
        "Không",
        "Miễn phí(Không có)",
        "Miễn phí(Không quy định.)",
        "Miễn phí06 ngày làm việc, kể từ ngày nhận đủ hồ sơ theo quy định",
        "Miễn phí(Không quy định) (Trực tuyến, Trực tiếp) | Miễn phí(Không quy định.) "
        "(Dịch vụ bưu chính)",
    ],
)
def test_parse_fee_free(raw):
    assert parse_fee(raw) == ("free", [])


@pytest.mark.parametrize(
    "raw",
    [
        "Miễn phí(do Ủy ban nhân dân cấp tỉnh quy định.)",
        "Miễn phí(Theo quy định của Hội đồng nhân dân cấp tỉnh)",
        "Miễn phí(Theo phí, lệ phí quy định tại Thông tư số 248/2016/TT-BTC ngày 11/11/2016 của Bộ "
        "Tài chính quy định mức thu, chế độ thu, nộp, quản lý và sử dụng phí, lệ phí áp dụng tại "
        "cảng, bến thủy nội địa.)",
        "Theo quy định tại các văn bản hướng dẫn Luật Phí và lệ phí thuộc thẩm quyền quyết định "
        "của Hội đồng nhân dân tỉnh",
    ],
)
def test_parse_fee_regulation(raw):
    assert parse_fee(raw) == ("regulation", [])


def test_parse_fee_fixed_amounts():
    assert parse_fee("20,000 VNĐ") == (
        "fixed",
        [{"name": "Phí", "amount": 20000, "kind": "phi"}],
    )
    mode, fees = parse_fee("100,000 VNĐ(Lệ phí cấp Giấy phép lái tàu: 100.000 đồng/01 lần cấp.)")
    assert mode == "fixed"
    assert fees == [
        {
            "name": "Lệ phí cấp Giấy phép lái tàu: 100.000 đồng/01 lần cấp.",
            "amount": 100000,
            "kind": "le_phi",
        }
    ]
    mode, fees = parse_fee("1,000,000 Việt Nam Đồng")
    assert mode == "fixed" and fees[0]["amount"] == 1_000_000


def test_parse_fee_several_lines_and_channels():
    raw = (
        "Phí : 2.000.000 Đồng (Thẩm định cấp phép sử dụng vật liệu nổ công nghiệp phục vụ nghiên "
        "cứu, kiểm định, thử nghiệm) Phí : 3.500.000 Đồng (Thẩm định cấp phép sử dụng vật liệu nổ "
        "công nghiệp phục vụ tìm kiếm, thăm dò, khai thác trên đất liền)"
    )
    mode, fees = parse_fee(raw)
    assert mode == "fixed"
    assert [f["amount"] for f in fees] == [2_000_000, 3_500_000]
    assert all(f["kind"] == "phi" for f in fees)
    # the same line repeated per channel is kept once
    raw = (
        "2,000,000 VNĐ(Thiết bị 2.000.000đ/lần) (Trực tuyến) | 2,000,000 VNĐ(Thiết bị "
        "2.000.000đ/lần) (Dịch vụ bưu chính) | 4,000,000 VNĐ(Hệ thống 4.000.000đ/lần) (Trực tiếp)"
    )
    mode, fees = parse_fee(raw)
    assert [f["amount"] for f in fees] == [2_000_000, 4_000_000]


def test_parse_fee_odd_inputs():
    # head lost its thousands: the note carries the real amount
    mode, fees = parse_fee("20 VNĐ(20.000 đồng/lần.)")
    assert mode == "fixed" and fees[0]["amount"] == 20000
    # amount only inside the note
    mode, fees = parse_fee(
        "VNĐ(Phí công bố nội dung đăng ký doanh nghiệp: 100.000 đồng/lần (Thông tư số "
        "47/2019/TT-BTC))"
    )
    assert mode == "fixed" and fees[0]["amount"] == 100000
    # foreign currency: kept as a line, amount unknown in VND
    mode, fees = parse_fee("145 USD(Thẻ tạm trú có thời hạn không quá 02 năm: 145 USD/thẻ.)")
    assert mode == "fixed" and fees[0]["amount"] is None and "USD" in fees[0]["name"]
    # "100 VNĐ(" -- an implausible amount and nothing else to go on
    assert parse_fee("100 VNĐ(")[0] == "unknown"
    assert parse_fee("VNĐ") == ("unknown", [])
    assert parse_fee(None) == ("unknown", [])
    assert parse_fee("") == ("unknown", [])


# ---------------------------------------------------------------- level / agency / status


@pytest.mark.parametrize(
    "raw, tagged",
    [
        ("Cấp tỉnh", True),
        ("Cấp Xã", True),
        ("Cấp Bộ; Cấp Tỉnh; Cấp Xã; Cơ quan khác", True),
        ("Cấp bộ", False),
        ("Cơ quan khác", False),
        ("Cấp trung ương", False),
        (None, False),
    ],
)
def test_is_level_tagged(raw, tagged):
    assert is_level_tagged(raw) is tagged


def test_parse_level():
    assert parse_level("Cấp xã") == "commune"
    assert parse_level("Cấp Xã") == "commune"
    assert parse_level("Cấp tỉnh") == "province"
    assert parse_level("Cấp bộ, Cấp tỉnh") == "province"
    assert parse_level("Cấp tỉnh, Cấp xã", "Ủy ban nhân dân cấp xã") == "commune"
    assert parse_level("Cấp tỉnh, Cấp xã", "Sở Tư pháp") == "province"
    assert parse_level("Cấp bộ, Cấp xã") == "commune"
    assert parse_level(None, None, "Thủ tục đăng ký khai sinh (cấp xã)") == "commune"
    assert parse_level(None) == "province"


def test_agency_kind():
    assert agency_kind("commune", "Chi cục Hải quan khu vực") == "vertical_central"
    assert agency_kind("commune", "Công an cấp Xã") == "vertical_central"
    assert agency_kind("province", "Thuế tỉnh, thành phố; Thuế cơ sở") == "vertical_central"
    assert agency_kind("province", "Cục Thuế - Bộ tài chính") == "vertical_central"
    assert agency_kind("province", "Sở Tư pháp") == "provincial_department"
    assert agency_kind("province", "Chi cục Kiểm lâm") == "provincial_department"
    assert (
        agency_kind("province", "Cục Đường sắt Việt Nam, Chủ tịch ủy ban nhân dân cấp tỉnh")
        == "provincial_department"
    )
    assert agency_kind("commune", "Ủy ban nhân dân cấp xã") == "commune_committee"
    assert (
        agency_kind("province", "Trung tâm Phục vụ hành chính công tỉnh")
        == "provincial_service_centre"
    )
    assert agency_kind("commune", "Bộ phận Một cửa cấp xã") == "commune_service_centre"
    assert agency_kind("province", None, True) == "vertical_central"
    assert agency_kind("province", None, False) == "provincial_department"


def test_service_level_and_status():
    assert parse_service_level("Toàn trình") == "full"
    assert parse_service_level("Toàn trình (nêu trong cách thức thực hiện)") == "full"
    assert parse_service_level("Một phần") == "partial"
    assert parse_service_level("Một phần (nêu trong cách thức thực hiện)") == "partial"
    assert parse_service_level(None) is None
    assert parse_service_level("???") is None
    assert is_abolished_status("bãi bỏ")
    assert not is_abolished_status("sửa đổi, bổ sung")
    assert not is_abolished_status(None)


# ---------------------------------------------------------------- fields


def test_field_key_merges_variants():
    assert field_key("Đầu tư tại Việt nam") == field_key("Đầu tư tại Việt Nam")
    assert field_key("Thi đua – Khen thưởng") == field_key("Thi đua khen thưởng")
    assert field_key("Quản lý chất lượng công trình xây dựng (Bộ Xây dựng)") == field_key(
        "Quản lý chất lượng công trình xây dựng"
    )
    assert (
        field_key("KHCN") == field_key("Khoa học và Công nghệ") == field_key("Khoa học công nghệ")
    )
    assert field_key("Ptth& ttđt") == field_key("Pttt ttđt")
    assert field_key("Hàng hải và đường thủy (Bộ Xây dựng)") == field_key(
        "Hàng hải và đường thủy nội địa"
    )
    assert field_key("Hoạt động khác") == field_key("Lĩnh vực khác") == field_key(CATCH_ALL_FIELD)


def test_field_key_rejects_junk():
    assert field_key(None) is None
    assert field_key("") is None
    assert field_key("B. Thủ tục hành chính cấp tỉnh") is None
    assert (
        field_key("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc ---------------")
        is None
    )
    assert (
        field_key("NỘI DUNG SỬA ĐỔI, HƯỚNG DẪN Văn bản bị thay thế Văn bản thay thế " * 3) is None
    )


def test_field_display_names():
    assert (
        field_display_name("sàn giao dịch các-bon trong nước") == "Sàn giao dịch các-bon trong nước"
    )
    assert field_display_name("Tổ chức cai nghiên ma túy và quản lý sau cai nghiện") == (
        "Tổ chức cai nghiện ma túy và quản lý sau cai nghiện"
    )
    assert field_display_name("Xb, i &ph") == "Xuất bản, in và phát hành"
    names = choose_field_names(["Đầu tư tại Việt nam"] * 29 + ["Đầu tư tại Việt Nam"])
    assert list(names.values()) == ["Đầu tư tại Việt nam"]
    names = choose_field_names(["Thi đua – Khen thưởng"] * 10 + ["Thi đua khen thưởng"] * 8)
    assert list(names.values()) == ["Thi đua - Khen thưởng"]


def test_slug_code():
    assert slug_code("Hộ tịch") == "HO_TICH"
    assert slug_code("Đất đai") == "DAT_DAI"
    assert slug_code("Thi đua - Khen thưởng") == "THI_DUA_KHEN_THUONG"
    long = slug_code(
        "Đăng ký, quản lý phương tiện giao thông cơ giới, xe máy chuyên dùng và nhiều thứ khác"
    )
    assert len(long) <= 64 and not long.endswith("_") and long.isascii()
    assert slug_code("!!!") == "FIELD"


def test_unique_codes_disambiguates():
    codes = unique_codes(["Hộ tịch", "Hộ-tịch", "Đất đai"])
    assert codes["Đất đai"] == "DAT_DAI"
    assert sorted(codes[n] for n in ("Hộ tịch", "Hộ-tịch")) == ["HO_TICH", "HO_TICH_2"]
    assert len(set(codes.values())) == 3


def test_infer_field_name():
    assert infer_field_name("Thủ tục đăng ký khai sinh", None) == "Hộ tịch"
    assert infer_field_name("Cấp Giấy phép triển lãm mỹ thuật", "") == (
        "Mỹ thuật, nhiếp ảnh và triển lãm"
    )
    assert (
        infer_field_name(
            "Cấp giấy xác nhận ABC",
            None,
            "LĨNH VỰC QUẢN LÝ NHÀ NƯỚC CỦA BỘ CÔNG THƯƠNG",
        )
        == "Công thương"
    )
    assert infer_field_name("Thủ tục XYZ", None, None) == CATCH_ALL_FIELD


# ---------------------------------------------------------------- components


def test_parse_component_glued_form_and_enumerator():
    comp = parse_component(
        "Báo cáo kết quả hoạt động khai thác tính từ thời điểm cấp phép đến thời điểm nộp hồ sơ "
        "đề nghị trả lạiMau 36 - Phu luc II_36.2025.TT-BNNMT_02.7."
    )
    assert comp["name"].endswith("đề nghị trả lại")
    assert comp["form_template"] == "Mau 36 - Phu luc II_36.2025.TT-BNNMT_02.7"
    assert (comp["originals"], comp["copies"], comp["mandatory"]) == (1, 0, True)

    comp = parse_component("b) Hóa đơn thương mại: 01 bản chụp;")
    assert comp["name"] == "Hóa đơn thương mại: 01 bản chụp"
    assert (comp["originals"], comp["copies"]) == (0, 1)


def test_parse_component_counts_optional_reusable():
    comp = parse_component(
        "1) Giấy đăng ký lập quỹ đầu tư chứng khoán - Mẫu số 92 Phụ lục ban hành kèm theo Nghị "
        "định 155/2020/NĐ-CP ngày 31/12/2020 của Chính phủ;"
    )
    assert comp["form_template"] == "Mẫu số 92"
    assert comp["name"].startswith("Giấy đăng ký lập quỹ")
    comp = parse_component("Bản sao giấy chứng nhận an toàn kỹ thuật (nếu sử dụng kết cấu nổi).")
    assert comp["mandatory"] is False and comp["copies"] == 1 and comp["originals"] == 0
    comp = parse_component("Trường hợp thiệt hại về hàng hóa: người nộp thuế cung cấp Biên bản")
    assert comp["mandatory"] is False
    comp = parse_component("02 bản chính và 01 bản sao hợp đồng")
    assert (comp["originals"], comp["copies"]) == (2, 1)
    comp = parse_component("Bản sao Thẻ căn cước hoặc Hộ chiếu còn giá trị sử dụng")
    assert comp["reusable"] is True
    comp = parse_component("Theo quy định đối với phương tiện không thuộc diện đăng kiểmMau")
    assert comp["form_template"] == "Mẫu"
    long = parse_component("Giấy tờ " + "rất dài " * 400)
    assert len(long["name"]) == 1000


def test_parse_components_filters_meta_and_duplicates():
    assert not is_component_text("Số lượng hồ sơ: 01 (một) bộ.")
    assert not is_component_text("   ")
    comps = parse_components(
        [
            "Tờ khai đăng ký kết hôn theo mẫu;",
            "Số lượng hồ sơ: 01 (một) bộ.",
            "- Tờ khai đăng ký kết hôn theo mẫu.",
            None,
            "",
        ]
    )
    assert [c["name"] for c in comps] == ["Tờ khai đăng ký kết hôn theo mẫu"]
    assert parse_components(None) == []
    assert parse_components("not a list") == []


def test_typical_components_and_time():
    a = parse_components(["Đơn đề nghị", "Bản sao căn cước", "Ảnh 4x6"])
    b = parse_components(["Đơn đề nghị", "Bản sao căn cước"])
    c = parse_components(["Đơn đề nghị"])
    typical = typical_components([a, b, c, []])
    assert [x["name"] for x in typical] == ["Đơn đề nghị", "Bản sao căn cước"]
    assert typical_components([]) == [dict(x) for x in DEFAULT_COMPONENTS]

    assert typical_time(
        [(5, "working_days"), (3, "working_days"), (30, "days"), (7, "working_days")]
    ) == (
        5,
        "working_days",
    )
    assert typical_time([(2, "working_days"), (4, "working_days")]) == (2, "working_days")
    assert typical_time([]) is None


# ---------------------------------------------------------------- steps


@pytest.mark.parametrize(
    "level, value, unit",
    [
        ("province", 15, "working_days"),
        ("province", 1, "working_days"),
        ("commune", 5, "working_days"),
        ("commune", 4, "working_hours"),
        ("province", 0, "working_hours"),
        ("province", 1, "months"),
        ("commune", 12, "months"),
    ],
)
def test_default_steps(level, value, unit):
    steps = default_steps(level, value, unit)
    assert [s["order"] for s in steps] == list(range(1, len(steps) + 1))
    assert sum(s["share"] for s in steps) == 100
    assert steps[0]["role"] == "receive" and steps[-1]["role"] == "return"
    assert {s["role"] for s in steps} == {"receive", "specialist", "leader", "return"}
    assert all(isinstance(s["share"], int) and s["share"] > 0 for s in steps)
    assert steps[0]["name"] == "Tiếp nhận hồ sơ" and steps[-1]["name"] == "Trả kết quả"


def test_a_month_is_not_a_short_procedure():
    """1 month is a long time (about 22 working days), not a same-day procedure: it gets the
    ordinary shares, not the bigger reception/return shares of a procedure of 1 day or less."""
    assert default_steps("province", 1, "months") == default_steps("province", 20, "working_days")
    assert default_steps("commune", 1, "months") == default_steps("commune", 20, "working_days")

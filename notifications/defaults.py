"""The default templates (version 1 of each), seeded by migration 0002 and `manage.py
seed_notification_templates`: per notice, a subject and a full text (inbox, e-mail, Zalo) and a
short SMS text, in Vietnamese and English. Officials get the inbox and e-mail only."""

from __future__ import annotations

SIGNATURE_VI = "\n\nTra cứu hồ sơ: {{ tracking_url }}\n{{ agency_name }}"
SIGNATURE_EN = "\n\nTrack your dossier: {{ tracking_url }}\n{{ agency_name }}"
# The satisfaction rating's signed link (docs/satisfaction.md), in the full texts of the notices
# after which the applicant may rate (returned, refused, receipt refused); migration 0003 adds
# them as a new version where the first is unchanged.
RATING_VI = "\nĐánh giá mức độ hài lòng (một lần): {{ rating_url }}"
RATING_EN = "\nRate our service (once): {{ rating_url }}"

# kind: {language: (subject, body, sms)}; sms None: no SMS/Zalo template (officials).
DEFAULTS: dict[str, dict[str, tuple[str, str, str | None]]] = {
    "submitted": {
        "vi": (
            "Đã nhận hồ sơ {{ dossier_code }}",
            "Kính gửi {{ applicant_name }},\nHệ thống đã nhận hồ sơ {{ dossier_code }} "
            "({{ procedure_name }}) nộp lúc {{ submitted_at }}. Cán bộ một cửa sẽ kiểm tra và "
            "thông báo việc tiếp nhận." + SIGNATURE_VI,
            "Đã nhận hồ sơ {{ dossier_code }} lúc {{ submitted_at }}. Chờ cán bộ kiểm tra.",
        ),
        "en": (
            "Dossier {{ dossier_code }} submitted",
            "Dear {{ applicant_name }},\nWe have your dossier {{ dossier_code }} "
            "({{ procedure_name }}), submitted at {{ submitted_at }}. An officer will check it and "
            "tell you whether it is received." + SIGNATURE_EN,
            "Dossier {{ dossier_code }} submitted at {{ submitted_at }}; awaiting checks.",
        ),
    },
    "received": {
        "vi": (
            "Giấy tiếp nhận hồ sơ và hẹn trả kết quả — {{ dossier_code }}",
            "Kính gửi {{ applicant_name }},\nHồ sơ {{ dossier_code }} ({{ procedure_name }}) đã "
            "được tiếp nhận lúc {{ received_at }}.\nNgày hẹn trả kết quả: {{ due_at }}."
            + SIGNATURE_VI,
            "Hồ sơ {{ dossier_code }} đã được tiếp nhận lúc {{ received_at }}, hẹn trả kết quả "
            "{{ due_at }}.",
        ),
        "en": (
            "Receipt and appointment — {{ dossier_code }}",
            "Dear {{ applicant_name }},\nYour dossier {{ dossier_code }} ({{ procedure_name }}) "
            "was received at {{ received_at }}.\nResult due: {{ due_at }}." + SIGNATURE_EN,
            "Dossier {{ dossier_code }} received {{ received_at }}; result due {{ due_at }}.",
        ),
    },
    "supplement_requested": {
        "vi": (
            "Yêu cầu bổ sung, hoàn thiện hồ sơ {{ dossier_code }}",
            "Kính gửi {{ applicant_name }},\nHồ sơ {{ dossier_code }} ({{ procedure_name }}) cần "
            "bổ sung các giấy tờ sau:\n{{ items }}\nLý do: {{ reason }}\nHạn bổ sung: "
            "{{ supplement_deadline }}. Quá hạn, hồ sơ sẽ bị dừng xử lý." + SIGNATURE_VI,
            "Hồ sơ {{ dossier_code }} cần bổ sung: {{ items }}. Hạn {{ supplement_deadline }}.",
        ),
        "en": (
            "Please complete dossier {{ dossier_code }}",
            "Dear {{ applicant_name }},\nYour dossier {{ dossier_code }} ({{ procedure_name }}) "
            "needs:\n{{ items }}\nReason: {{ reason }}\nDeadline: {{ supplement_deadline }}. "
            "After it, processing stops." + SIGNATURE_EN,
            "Dossier {{ dossier_code }} needs: {{ items }}. Deadline {{ supplement_deadline }}.",
        ),
    },
    "receipt_refused": {
        "vi": (
            "Từ chối tiếp nhận hồ sơ {{ dossier_code }}",
            "Kính gửi {{ applicant_name }},\nHồ sơ {{ dossier_code }} ({{ procedure_name }}) "
            "không được tiếp nhận. Lý do: {{ reason }}" + RATING_VI + SIGNATURE_VI,
            "Hồ sơ {{ dossier_code }} không được tiếp nhận. Lý do: {{ reason }}",
        ),
        "en": (
            "Dossier {{ dossier_code }} not received",
            "Dear {{ applicant_name }},\nYour dossier {{ dossier_code }} ({{ procedure_name }}) "
            "could not be received. Reason: {{ reason }}" + RATING_EN + SIGNATURE_EN,
            "Dossier {{ dossier_code }} not received. Reason: {{ reason }}",
        ),
    },
    "rescheduled": {
        "vi": (
            "Thư xin lỗi và hẹn lại ngày trả kết quả — {{ dossier_code }}",
            "Kính gửi {{ applicant_name }},\n{{ agency_name }} xin lỗi vì hồ sơ {{ dossier_code }} "
            "({{ procedure_name }}) chưa có kết quả đúng hẹn ({{ old_due_at }}).\nLý do: "
            "{{ reason }}\nNgày hẹn mới: {{ due_at }}." + SIGNATURE_VI,
            "Xin lỗi: hồ sơ {{ dossier_code }} trễ hẹn. Hẹn lại {{ due_at }}.",
        ),
        "en": (
            "Apology and new date — {{ dossier_code }}",
            "Dear {{ applicant_name }},\n{{ agency_name }} apologises: dossier {{ dossier_code }} "
            "({{ procedure_name }}) will not be ready by {{ old_due_at }}.\nReason: {{ reason }}"
            "\nNew date: {{ due_at }}." + SIGNATURE_EN,
            "Sorry: dossier {{ dossier_code }} is late. New date {{ due_at }}.",
        ),
    },
    "result_ready": {
        "vi": (
            "Đã có kết quả hồ sơ {{ dossier_code }}",
            "Kính gửi {{ applicant_name }},\nHồ sơ {{ dossier_code }} ({{ procedure_name }}) đã "
            "có kết quả.\n{{ how_to_get }}" + SIGNATURE_VI,
            "Hồ sơ {{ dossier_code }} đã có kết quả. {{ how_to_get }}",
        ),
        "en": (
            "Result ready — {{ dossier_code }}",
            "Dear {{ applicant_name }},\nThe result of dossier {{ dossier_code }} "
            "({{ procedure_name }}) is ready.\n{{ how_to_get }}" + SIGNATURE_EN,
            "Dossier {{ dossier_code }}: result ready. {{ how_to_get }}",
        ),
    },
    "returned": {
        "vi": (
            "Đã trả kết quả hồ sơ {{ dossier_code }}",
            "Kính gửi {{ applicant_name }},\nKết quả hồ sơ {{ dossier_code }} "
            "({{ procedure_name }}) đã được trả lúc {{ returned_at }}. "
            "Cảm ơn bạn đã sử dụng dịch vụ." + RATING_VI + SIGNATURE_VI,
            "Kết quả hồ sơ {{ dossier_code }} đã được trả lúc {{ returned_at }}.",
        ),
        "en": (
            "Result returned — {{ dossier_code }}",
            "Dear {{ applicant_name }},\nThe result of dossier {{ dossier_code }} "
            "({{ procedure_name }}) was returned at {{ returned_at }}. Thank you."
            + RATING_EN
            + SIGNATURE_EN,
            "Dossier {{ dossier_code }}: result returned {{ returned_at }}.",
        ),
    },
    "refused": {
        "vi": (
            "Từ chối giải quyết hồ sơ {{ dossier_code }}",
            "Kính gửi {{ applicant_name }},\nHồ sơ {{ dossier_code }} ({{ procedure_name }}) bị "
            "từ chối giải quyết.\nLý do: {{ reason }}" + RATING_VI + SIGNATURE_VI,
            "Hồ sơ {{ dossier_code }} bị từ chối giải quyết. Lý do: {{ reason }}",
        ),
        "en": (
            "Dossier {{ dossier_code }} refused",
            "Dear {{ applicant_name }},\nYour dossier {{ dossier_code }} ({{ procedure_name }}) "
            "was refused.\nReason: {{ reason }}" + RATING_EN + SIGNATURE_EN,
            "Dossier {{ dossier_code }} refused. Reason: {{ reason }}",
        ),
    },
    "stopped": {
        "vi": (
            "Thông báo dừng xử lý hồ sơ {{ dossier_code }}",
            "Kính gửi {{ applicant_name }},\nHồ sơ {{ dossier_code }} ({{ procedure_name }}) đã "
            "dừng xử lý.\nLý do: {{ reason }}" + SIGNATURE_VI,
            "Hồ sơ {{ dossier_code }} đã dừng xử lý. Lý do: {{ reason }}",
        ),
        "en": (
            "Processing of dossier {{ dossier_code }} stopped",
            "Dear {{ applicant_name }},\nProcessing of your dossier {{ dossier_code }} "
            "({{ procedure_name }}) has stopped.\nReason: {{ reason }}" + SIGNATURE_EN,
            "Dossier {{ dossier_code }} stopped. Reason: {{ reason }}",
        ),
    },
    # The SMS of the payment notices are written without diacritics: GSM-7 keeps the link in one
    # or two segments (UCS-2 would take three).
    "fee_requested": {
        "vi": (
            "Đề nghị nộp phí, lệ phí — hồ sơ {{ dossier_code }}",
            "Kính gửi {{ applicant_name }},\nĐể tiếp tục giải quyết hồ sơ {{ dossier_code }} "
            "({{ procedure_name }}), đề nghị ông/bà nộp phí, lệ phí: {{ amount }}.\n{{ reason }}\n"
            "Thanh toán trực tuyến: {{ payment_url }}\nHoặc nộp tại bộ phận một cửa. Thời gian "
            "nộp phí không tính vào thời hạn giải quyết." + SIGNATURE_VI,
            "Ho so {{ dossier_code }}: de nghi nop phi, le phi {{ amount }}. Thanh toan: "
            "{{ payment_url }}",
        ),
        "en": (
            "Fees due — dossier {{ dossier_code }}",
            "Dear {{ applicant_name }},\nTo continue with dossier {{ dossier_code }} "
            "({{ procedure_name }}), please pay the fees: {{ amount }}.\n{{ reason }}\n"
            "Pay online: {{ payment_url }}\nOr pay at the one-stop counter. The time until you pay "
            "does not count towards the deadline." + SIGNATURE_EN,
            "Dossier {{ dossier_code }}: fees of {{ amount }} due. Pay: {{ payment_url }}",
        ),
    },
    "payment_received": {
        "vi": (
            "Đã nhận phí, lệ phí — hồ sơ {{ dossier_code }}",
            "Kính gửi {{ applicant_name }},\nĐã nhận khoản phí, lệ phí {{ amount }} của hồ sơ "
            "{{ dossier_code }} ({{ procedure_name }}). Biên lai điện tử có trong hồ sơ."
            + SIGNATURE_VI,
            "Da nhan phi, le phi {{ amount }} cua ho so {{ dossier_code }}.",
        ),
        "en": (
            "Fees received — dossier {{ dossier_code }}",
            "Dear {{ applicant_name }},\nWe have received the fees of {{ amount }} for dossier "
            "{{ dossier_code }} ({{ procedure_name }}). The e-receipt is in the dossier."
            + SIGNATURE_EN,
            "Fees of {{ amount }} received for dossier {{ dossier_code }}.",
        ),
    },
    "assigned": {
        "vi": (
            "Bạn được phân công xử lý hồ sơ {{ dossier_code }}",
            "{{ official_name }} thân mến,\n{{ actor_name }} đã phân công bạn xử lý hồ sơ "
            "{{ dossier_code }} ({{ procedure_name }}), hạn {{ due_at }}.\n{{ note }}",
            None,
        ),
        "en": (
            "Dossier {{ dossier_code }} assigned to you",
            "Dear {{ official_name }},\n{{ actor_name }} assigned you dossier {{ dossier_code }} "
            "({{ procedure_name }}), due {{ due_at }}.\n{{ note }}",
            None,
        ),
    },
    "handed_over": {
        "vi": (
            "Hồ sơ {{ dossier_code }} được chuyển đến bạn",
            "{{ official_name }} thân mến,\n{{ actor_name }} đã chuyển hồ sơ {{ dossier_code }} "
            "({{ procedure_name }}) đến bạn xử lý, hạn {{ due_at }}.\n{{ note }}",
            None,
        ),
        "en": (
            "Dossier {{ dossier_code }} handed over to you",
            "Dear {{ official_name }},\n{{ actor_name }} handed dossier {{ dossier_code }} "
            "({{ procedure_name }}) over to you, due {{ due_at }}.\n{{ note }}",
            None,
        ),
    },
    "payment_reminder": {
        "vi": (
            "Nhắc nộp phí, lệ phí — hồ sơ {{ dossier_code }}",
            "Kính gửi {{ applicant_name }},\nHồ sơ {{ dossier_code }} ({{ procedure_name }}) đang "
            "chờ ông/bà nộp phí, lệ phí: {{ amount }}. Hồ sơ chỉ được giải quyết tiếp sau khi "
            "nộp.\nThanh toán trực tuyến: {{ payment_url }}\nHoặc nộp tại bộ phận một cửa."
            + SIGNATURE_VI,
            "Ho so {{ dossier_code }}: con cho nop phi, le phi {{ amount }}. Thanh toan: "
            "{{ payment_url }}",
        ),
        "en": (
            "Reminder: fees due — dossier {{ dossier_code }}",
            "Dear {{ applicant_name }},\nDossier {{ dossier_code }} ({{ procedure_name }}) is "
            "waiting for your payment of the fees: {{ amount }}. It goes on once they are paid."
            "\nPay online: {{ payment_url }}\nOr pay at the one-stop counter." + SIGNATURE_EN,
            "Dossier {{ dossier_code }}: fees of {{ amount }} still due. Pay: {{ payment_url }}",
        ),
    },
    "status_notice": {
        "vi": (
            "Tình trạng hồ sơ {{ dossier_code }}",
            "Kính gửi {{ applicant_name }},\nHồ sơ {{ dossier_code }} ({{ procedure_name }}) "
            "hiện ở trạng thái: {{ status }}. Hẹn trả kết quả: {{ due_at }}.\nHồ sơ chưa có "
            "tiến triển mới; cơ quan giải quyết đã được nhắc xử lý." + SIGNATURE_VI,
            "Hồ sơ {{ dossier_code }}: {{ status }}, hẹn trả {{ due_at }}. Đã nhắc cơ quan xử lý.",
        ),
        "en": (
            "Where dossier {{ dossier_code }} stands",
            "Dear {{ applicant_name }},\nYour dossier {{ dossier_code }} ({{ procedure_name }}) "
            "is: {{ status }}. Result due: {{ due_at }}.\nNothing has happened to it lately; "
            "the agency has been reminded." + SIGNATURE_EN,
            "Dossier {{ dossier_code }}: {{ status }}, due {{ due_at }}. Agency reminded.",
        ),
    },
    "escalated": {
        "vi": (
            "Nhắc việc: hồ sơ {{ dossier_code }} đã dùng {{ percent }}% thời gian bước xử lý",
            "{{ official_name }} thân mến,\nHồ sơ {{ dossier_code }} ({{ procedure_name }}) đã "
            "dùng {{ percent }}% thời gian của bước “{{ step_name }}” (hạn bước "
            "{{ step_due_at }}; hạn trả kết quả {{ due_at }}). Đề nghị xử lý hoặc chỉ đạo xử lý.",
            None,
        ),
        "en": (
            "Reminder: dossier {{ dossier_code }} has used {{ percent }}% of its step's time",
            "Dear {{ official_name }},\nDossier {{ dossier_code }} ({{ procedure_name }}) has "
            "used {{ percent }}% of the time of the step “{{ step_name }}” (step due "
            "{{ step_due_at }}; result due {{ due_at }}). Please act or see that it is acted on.",
            None,
        ),
    },
}


FEEDBACK_SIGNATURE_VI = "\n\n{{ agency_name }}"
FEEDBACK_SIGNATURE_EN = "\n\n{{ agency_name }}"
DEFAULTS.update(
    {
        # Feedback (docs/feedback.md), notifications/feedback.py.
        "feedback_received": {
            "vi": (
                "Đã tiếp nhận phản ánh, kiến nghị {{ feedback_code }}",
                "Kính gửi {{ applicant_name }},\nPhản ánh, kiến nghị “{{ feedback_title }}” đã "
                "được tiếp nhận với mã {{ feedback_code }}. Hạn trả lời: {{ due_at }}."
                + FEEDBACK_SIGNATURE_VI,
                "Da tiep nhan phan anh {{ feedback_code }}, han tra loi {{ due_at }}.",
            ),
            "en": (
                "Feedback {{ feedback_code }} received",
                "Dear {{ applicant_name }},\nYour feedback “{{ feedback_title }}” was received "
                "as {{ feedback_code }}. It will be answered by {{ due_at }}."
                + FEEDBACK_SIGNATURE_EN,
                "Feedback {{ feedback_code }} received, answer due {{ due_at }}.",
            ),
        },
        "feedback_answered": {
            "vi": (
                "Trả lời phản ánh, kiến nghị {{ feedback_code }}",
                "Kính gửi {{ applicant_name }},\nPhản ánh, kiến nghị “{{ feedback_title }}” "
                "({{ feedback_code }}) đã được trả lời:\n{{ answer }}\nBạn có thể cho biết có "
                "hài lòng với trả lời này không." + FEEDBACK_SIGNATURE_VI,
                "Phan anh {{ feedback_code }} da duoc tra loi. Xem tren Cong dich vu cong.",
            ),
            "en": (
                "Answer to feedback {{ feedback_code }}",
                "Dear {{ applicant_name }},\nYour feedback “{{ feedback_title }}” "
                "({{ feedback_code }}) was answered:\n{{ answer }}\nYou may tell us whether the "
                "answer satisfied you." + FEEDBACK_SIGNATURE_EN,
                "Feedback {{ feedback_code }} was answered. See the public service portal.",
            ),
        },
        "feedback_rejected": {
            "vi": (
                "Phản ánh, kiến nghị {{ feedback_code }} không được xử lý",
                "Kính gửi {{ applicant_name }},\nPhản ánh, kiến nghị “{{ feedback_title }}” "
                "({{ feedback_code }}) không được xử lý vì: {{ reason }}" + FEEDBACK_SIGNATURE_VI,
                "Phan anh {{ feedback_code }} khong duoc xu ly: {{ reason }}",
            ),
            "en": (
                "Feedback {{ feedback_code }} will not be handled",
                "Dear {{ applicant_name }},\nYour feedback “{{ feedback_title }}” "
                "({{ feedback_code }}) will not be handled, because: {{ reason }}"
                + FEEDBACK_SIGNATURE_EN,
                "Feedback {{ feedback_code }} not handled: {{ reason }}",
            ),
        },
        "feedback_escalated": {
            "vi": (
                "Nhắc việc: phản ánh {{ feedback_code }} đã dùng {{ percent }}% thời gian xử lý",
                "{{ official_name }} thân mến,\nPhản ánh, kiến nghị {{ feedback_code }} "
                "(“{{ feedback_title }}”) đã dùng {{ percent }}% thời gian xử lý (hạn trả lời "
                "{{ due_at }}). Đề nghị xử lý hoặc chỉ đạo xử lý.",
                None,
            ),
            "en": (
                "Reminder: feedback {{ feedback_code }} has used {{ percent }}% of its time",
                "Dear {{ official_name }},\nFeedback {{ feedback_code }} "
                "(“{{ feedback_title }}”) has used {{ percent }}% of its time (answer due "
                "{{ due_at }}). Please act or see that it is acted on.",
                None,
            ),
        },
    }
)


DEFAULTS["appointment_reminder"] = {
    # The service centre's appointment, the day before (notifications/appointments.py).
    "vi": (
        "Nhắc lịch hẹn tại {{ centre_name }}",
        "Kính gửi {{ applicant_name }},\nBạn có lịch hẹn lúc {{ appointment_at }} tại "
        "{{ centre_name }}, nhóm dịch vụ {{ group_name }}. Khi đến, hãy "
        "quét mã QR của lịch hẹn tại máy lấy số để được ưu tiên; nếu không đến được, hãy hủy "
        "lịch hẹn để nhường chỗ cho người khác.",
        "Nhac lich hen {{ appointment_at }} tai {{ centre_name }}, nhom {{ group_name }}.",
    ),
    "en": (
        "Appointment reminder: {{ centre_name }}",
        "Dear {{ applicant_name }},\nYou have an appointment at {{ appointment_at }} at "
        "{{ centre_name }}, service group {{ group_name }}. On arrival, "
        "scan the appointment's QR code at the ticket kiosk to be served first; if you cannot "
        "come, please cancel it so that someone else may have the slot.",
        "Appointment {{ appointment_at }} at {{ centre_name }}, group {{ group_name }}.",
    ),
}


def rows() -> list[dict]:
    """Every default template as the fields of a NotificationTemplate."""
    out = []
    for kind, languages in DEFAULTS.items():
        for language, (subject, body, sms) in languages.items():
            for channel in ("inbox", "email"):
                out.append(
                    {
                        "kind": kind,
                        "channel": channel,
                        "language": language,
                        "subject": subject,
                        "body": body,
                    }
                )
            if sms is not None:
                out.append(
                    {
                        "kind": kind,
                        "channel": "sms",
                        "language": language,
                        "subject": "",
                        "body": sms,
                    }
                )
                out.append(
                    {
                        "kind": kind,
                        "channel": "zalo",
                        "language": language,
                        "subject": subject,
                        "body": body,
                    }
                )
    return out


def seed(model, *, only_missing: bool = True) -> int:
    """Create version 1 of every default template that has no version yet; returns how many."""
    made = 0
    for row in rows():
        exists = model.objects.filter(
            kind=row["kind"], channel=row["channel"], language=row["language"]
        ).exists()
        if exists and only_missing:
            continue
        model.objects.create(version=1, **row)
        made += 1
    return made


RATED_KINDS = ("receipt_refused", "returned", "refused")


def add_rating_link(model) -> int:
    """A new version of each full-text template of RATED_KINDS whose latest version is still the
    shipped one without the rating link (an edited template is left to its editor)."""
    made = 0
    for row in rows():
        if row["kind"] not in RATED_KINDS or "{{ rating_url }}" not in row["body"]:
            continue
        old = row["body"].replace(RATING_VI, "").replace(RATING_EN, "")
        latest = (
            model.objects.filter(kind=row["kind"], channel=row["channel"], language=row["language"])
            .order_by("-version")
            .first()
        )
        if latest is None or latest.body != old:
            continue
        model.objects.create(**{**row, "version": latest.version + 1})
        made += 1
    return made

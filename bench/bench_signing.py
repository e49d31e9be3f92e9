"""Benchmark: signing and verifying e-results (targets: render+sign p95 < 300 ms, verify p95 <
100 ms).

Run it with `.venv/bin/python bench/bench_signing.py` (no database, no network). It makes a
throw-away test CA in a temporary folder (or uses --signing-dir), builds a realistic one-page
Vietnamese result document, and times in process, one at a time:

* render: the page laid out with reportlab (the blocks of `documents/pdf.py` when that module is
  there: national header, title, a table, a QR code, the signature block; else a plain canvas);
* sign: `onecua.signing.sign_pdf()` on the rendered bytes (PAdES B-B, RSA 2048, chain embedded);
* render+sign: both, a new page each time (what approving a dossier costs, minus the database);
* verify: `onecua.signing.verify_pdf()` on a signed file (parse, digest, CMS, path to the root).

The first signature and verification of the process (imports, key loading) are reported apart
and left out of the percentiles. It prints p50 / p95 / max in ms with PASS/MISS and writes
bench/results/bench_signing.json.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import ROOT, percentile, table, write_results

SIGN_TARGET_MS = 300.0  # render + sign, p95
VERIFY_TARGET_MS = 100.0  # p95


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Time signing and verifying e-results.")
    parser.add_argument("-n", "--runs", type=int, default=200, help="runs per measure (200)")
    parser.add_argument(
        "--signing-dir",
        type=Path,
        help="use the CA and signer in this folder (ca.pem, signer.pem, signer.key.pem) instead "
        "of a throw-away one",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.runs <= 10_000:
        parser.error("--runs must be between 1 and 10000")
    return args


def setup_django(signing_dir: Path) -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("SECRET_KEY", "onecua-benchmark-only-not-a-secret")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    for name in ("CELERY_BROKER_URL", "REDIS_URL"):
        os.environ.pop(name, None)
    os.environ["ONECUA_SIGNING_DIR"] = str(signing_dir)
    os.environ["ONECUA_SIGNING_KEY"] = str(signing_dir / "signer.key.pem")
    os.environ["ONECUA_SIGNING_CERT"] = str(signing_dir / "signer.pem")
    os.environ["ONECUA_SIGNING_CHAIN"] = str(signing_dir / "ca.pem")
    os.environ["ONECUA_SIGNING_TRUST_ROOTS"] = str(signing_dir / "ca.pem")
    import django

    django.setup()


def machine() -> dict:
    info = {
        "nproc": os.cpu_count(),
        "cpu_model": "?",
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": os.getloadavg(),
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return info


# --- the document --------------------------------------------------------------------------

ROWS = [
    ("1", "Tên hộ kinh doanh", "Hộ kinh doanh Nguyễn Thị Hương Giang"),
    ("2", "Địa điểm kinh doanh", "Số 12, đường Hùng Vương, phường Nông Trang, tỉnh Phú Thọ"),
    ("3", "Ngành, nghề kinh doanh", "Bán lẻ lương thực, thực phẩm, đồ uống trong cửa hàng"),
    ("4", "Vốn kinh doanh", "300.000.000 đồng (Ba trăm triệu đồng)"),
    ("5", "Chủ hộ kinh doanh", "Nguyễn Thị Hương Giang, sinh ngày 14/02/1988"),
    ("6", "Số định danh cá nhân", "025188004321"),
]


def render_page(serial: int) -> bytes:
    try:
        from documents import pdf
    except ImportError:  # the renderer's building blocks are not in this tree: a plain page
        return render_plain(serial)
    width = pdf.content_width()
    story = [
        pdf.national_header(
            "Phòng Kinh tế",
            parent="UBND phường Nông Trang",
            number=f"Số: {serial:05d}/GCN-HKD",
            place_date="Phú Thọ, ngày 23 tháng 11 năm 2026",
        ),
        *pdf.title_block(
            "Giấy chứng nhận đăng ký hộ kinh doanh", f"Mã hồ sơ: H43.01-261123-{serial:04d}"
        ),
        pdf.para(
            "Căn cứ Nghị định số 01/2021/NĐ-CP ngày 04 tháng 01 năm 2021 của Chính phủ về đăng "
            "ký doanh nghiệp; xét hồ sơ đề nghị đăng ký hộ kinh doanh của bà Nguyễn Thị Hương "
            "Giang, Phòng Kinh tế chứng nhận:"
        ),
        pdf.spacer(3),
        pdf.table(
            ["STT", "Nội dung", "Thông tin"], ROWS, [width * 0.08, width * 0.3, width * 0.62]
        ),
        pdf.spacer(4),
        pdf.qr_with_caption(
            f"http://127.0.0.1:8000/verify/00000000-0000-4000-8000-{serial:012d}/",
            "Quét mã để kiểm tra tính xác thực của kết quả điện tử này.",
        ),
        pdf.signature_block(None, pdf.Signer("Trưởng phòng", "Trần Văn Minh", hint="")),
    ]
    return pdf.render(story, title="Giấy chứng nhận đăng ký hộ kinh doanh", author="onecua")


def render_plain(serial: int) -> bytes:
    from io import BytesIO

    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
        font = ROOT / "documents" / "fonts" / "DejaVuSans.ttf"
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(font)))
    buffer = BytesIO()
    page = canvas.Canvas(buffer)
    page.setFont("DejaVuSans", 12)
    y = 800
    for line in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH",
        f"Số: {serial:05d}/GCN-HKD",
        *(f"{n}. {label}: {value}" for n, label, value in ROWS),
    ):
        page.drawString(60, y, line)
        y -= 22
    page.showPage()
    page.save()
    return buffer.getvalue()


# --- timing --------------------------------------------------------------------------------


def timed(function, *args) -> tuple[float, object]:
    start = time.perf_counter()
    result = function(*args)
    return (time.perf_counter() - start) * 1000, result


def stats(values: list[float]) -> dict:
    return {
        "n": len(values),
        "p50_ms": percentile(values, 50),
        "p95_ms": percentile(values, 95),
        "max_ms": max(values),
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    info = machine()
    print(
        f"Machine: {info['nproc']} CPU(s), {info['cpu_model']}; Python {info['python']}; "
        f"load average {info['load_average_at_start'][0]:.2f}"
    )
    with tempfile.TemporaryDirectory(prefix="onecua-bench-signing-") as tmp:
        signing_dir = args.signing_dir or Path(tmp)
        setup_django(signing_dir)
        from documents import signing

        if args.signing_dir is None:
            ms, _ = timed(signing.make_local_ca, signing_dir)
            print(f"Throw-away test CA made in {ms:.0f} ms ({signing_dir})")
        uses_renderer = "onecua.pdf" in sys.modules or _has_renderer()
        print(f"Page: {'documents/pdf.py blocks' if uses_renderer else 'plain reportlab canvas'}\n")

        def sign(data: bytes) -> bytes:
            return signing.sign_pdf(
                data, reason="Phát hành kết quả giải quyết hồ sơ", location="Phường Nông Trang"
            )

        page = render_page(0)
        first_sign_ms, signed = timed(sign, page)
        first_verify_ms, report = timed(signing.verify_pdf, signed)
        if not report.ok:
            raise SystemExit(f"The signed page does not verify: {report}")

        gc.collect()
        render, sign_only, render_sign, verify = [], [], [], []
        for n in range(args.runs):
            ms, _ = timed(render_page, n + 1)
            render.append(ms)
        for _ in range(args.runs):
            ms, _ = timed(sign, page)
            sign_only.append(ms)
        for n in range(args.runs):
            start = time.perf_counter()
            sign(render_page(n + 1))
            render_sign.append((time.perf_counter() - start) * 1000)
        for _ in range(args.runs):
            ms, report = timed(signing.verify_pdf, signed)
            verify.append(ms)
            if not report.ok:
                raise SystemExit(f"Verification failed during the run: {report}")

    measures = {
        "render": (stats(render), None),
        "sign": (stats(sign_only), None),
        "render+sign": (stats(render_sign), SIGN_TARGET_MS),
        "verify": (stats(verify), VERIFY_TARGET_MS),
    }
    rows = []
    for name, (figures, target) in measures.items():
        rows.append(
            [
                name,
                figures["n"],
                f"{figures['p50_ms']:.1f}",
                f"{figures['p95_ms']:.1f}",
                f"{figures['max_ms']:.1f}",
                f"< {target:.0f}" if target else "",
                ("PASS" if figures["p95_ms"] < target else "MISS") if target else "",
            ]
        )
    print(table(["measure", "n", "p50 ms", "p95 ms", "max ms", "p95 target", ""], rows))
    print(
        f"\nFirst signature of the process: {first_sign_ms:.0f} ms; first verification: "
        f"{first_verify_ms:.0f} ms (imports, key and certificate loading; not in the figures)."
    )
    print(f"Page: {len(page):,} bytes unsigned, {len(signed):,} bytes signed.")
    path = write_results(
        "bench_signing",
        {
            "machine": info,
            "runs": args.runs,
            "renderer": "onecua.pdf" if uses_renderer else "plain",
            "first_sign_ms": first_sign_ms,
            "first_verify_ms": first_verify_ms,
            "bytes_unsigned": len(page),
            "bytes_signed": len(signed),
            "targets_ms": {"render+sign_p95": SIGN_TARGET_MS, "verify_p95": VERIFY_TARGET_MS},
            **{name: figures for name, (figures, _target) in measures.items()},
        },
    )
    print(f"Results: {path}")
    return 0


def _has_renderer() -> bool:
    try:
        import documents.pdf  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    raise SystemExit(main())

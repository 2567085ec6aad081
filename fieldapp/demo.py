"""Demo data: Quan Sơn district (Thanh Hóa), its venues, users and five weeks of inspections.

Everything is drawn from one seeded random generator, so a given seed gives the
same venues and findings; only the dates move with the day the demo is loaded.
Vietnamese names here are data (what a district's registry holds), not UI text.
"""

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from fieldapp import clock
from fieldapp.auth.passwords import DEMO_PASSWORD
from fieldapp.citizens import service as citizen_reports
from fieldapp.citizens.deadlines import seed_holidays
from fieldapp.citizens.intake import receive_report
from fieldapp.extensions import db
from fieldapp.inspections.service import Position, Submission, submit_finding
from fieldapp.models import (
    Assignment,
    Commune,
    CommuneFigures,
    District,
    Inspection,
    Province,
    Role,
    Scope,
    User,
    Venue,
)

# username, role, display name
DEMO_USERS = (
    ("inspector", Role.INSPECTOR.value, "Lò Văn Thành"),
    ("inspector2", Role.INSPECTOR.value, "Lương Thị Hoa"),
    ("supervisor", Role.SUPERVISOR.value, "Hà Thị Mai"),
    ("admin", Role.ADMIN.value, "Phạm Văn Đức"),
    ("province", Role.SUPERVISOR.value, "Trịnh Văn Hùng"),
    ("national", Role.SUPERVISOR.value, "Nguyễn Thị Quỳnh"),
)
# The province supervisor sees every district of Thanh Hóa, the national one every district
# of every province; the others only Quan Sơn.
WIDE_USERS = {"province": Scope.PROVINCE, "national": Scope.COUNTRY}
PROVINCE_NAME = "Thanh Hóa"
DISTRICT_NAME = "Quan Sơn"
WEEKS_OF_INSPECTIONS = 5
FIRST_VISITS = 100


@dataclass(frozen=True)
class CommuneSeed:
    name: str
    kind: str
    code: str  # the middle part of venue codes: QS-<code>-0001
    latitude: float
    longitude: float
    hamlets: tuple[str, ...]  # bản (villages) or khu (town quarters), the first at the centre


# Approximate centres: the Lò river valley runs east (Trung ...) to west (Na Mèo border gate).
QUAN_SON_COMMUNES = (
    CommuneSeed(
        "Sơn Lư",
        "thi_tran",
        "SL",
        20.2620,
        104.9380,
        ("Khu 1", "Khu 2", "Khu 3", "Khu 4", "Bản Lốc", "Bản Bìn"),
    ),
    CommuneSeed(
        "Trung Xuân",
        "xa",
        "TX",
        20.3000,
        104.9850,
        ("Bản Cóc", "Bản Din", "Bản Xuân Thắng", "Bản Tang", "Bản Ngàm"),
    ),
    CommuneSeed(
        "Trung Thượng",
        "xa",
        "TT",
        20.3200,
        104.9650,
        ("Bản Mướng", "Bản Pọng", "Bản Bó", "Bản Xa Mang", "Bản Hang"),
    ),
    CommuneSeed(
        "Trung Tiến",
        "xa",
        "TI",
        20.3150,
        105.0150,
        ("Bản Mỏ", "Bản Bôn", "Bản Xuân Tiến", "Bản Hẹ"),
    ),
    CommuneSeed(
        "Trung Hạ",
        "xa",
        "TH",
        20.3350,
        105.0450,
        ("Bản Chiềng", "Bản Lầm", "Bản Ken", "Bản Tân Sơn", "Bản Bàng"),
    ),
    CommuneSeed(
        "Sơn Hà",
        "xa",
        "SH",
        20.2400,
        104.9050,
        ("Bản Na Hồ", "Bản Bơ", "Bản Hậu", "Bản Xía Nọi", "Bản Ngàm Pha"),
    ),
    CommuneSeed(
        "Tam Thanh",
        "xa",
        "TA",
        20.1700,
        104.9200,
        ("Bản Na Chừa", "Bản Xía Rò", "Bản Pà Bát", "Bản Mí"),
    ),
    CommuneSeed(
        "Sơn Thủy",
        "xa",
        "ST",
        20.2100,
        104.8600,
        ("Bản Xía Lánh", "Bản Ché Lầu", "Bản Na Pọng", "Bản Piềng Khóa", "Bản Cha Khót"),
    ),
    CommuneSeed(
        "Na Mèo",
        "xa",
        "NM",
        20.3450,
        104.7600,
        ("Bản Na Mèo", "Bản Sa Ná", "Bản Son", "Bản Bá", "Bản Cạn", "Bản Xộp Huối"),
    ),
    CommuneSeed(
        "Tam Lư",
        "xa",
        "TL",
        20.2050,
        104.9600,
        ("Bản Lầu", "Bản Bàng", "Bản Piềng Mòn", "Bản Mài", "Bản Khạn"),
    ),
    CommuneSeed(
        "Sơn Điện",
        "xa",
        "SD",
        20.2750,
        104.8100,
        ("Bản Na Lộc", "Bản Bun", "Bản Ún", "Bản Mùa Xuân", "Bản Xa Lung"),
    ),
    CommuneSeed(
        "Mường Mìn", "xa", "MM", 20.2350, 104.8300, ("Bản Mìn", "Bản Pục", "Bản Sủa", "Bản Lốc Há")
    ),
)

SURNAMES = (
    "Lò",
    "Lương",
    "Hà",
    "Phạm",
    "Vi",
    "Ngân",
    "Cầm",
    "Lữ",
    "Bùi",
    "Lê",
    "Nguyễn",
    "Trương",
    "Đinh",
    "Hoàng",
)
MEN = (
    "Thành",
    "Hùng",
    "Dũng",
    "Tuấn",
    "Minh",
    "Quang",
    "Hải",
    "Cường",
    "Đức",
    "Long",
    "Tiến",
    "Sơn",
    "Bình",
    "Khánh",
    "Thắng",
    "Nam",
)
WOMEN = (
    "Hoa",
    "Mai",
    "Lan",
    "Hương",
    "Linh",
    "Thảo",
    "Nga",
    "Hằng",
    "Yến",
    "Trang",
    "Duyên",
    "Nhung",
    "Phương",
    "Thúy",
)
# The names shops and small firms go by (often the owners' or their children's names).
TRADE_NAMES = (
    "Hà Linh",
    "Minh Anh",
    "Thanh Hương",
    "Tuấn Hùng",
    "Phúc Lộc",
    "Hoàng Long",
    "Bình An",
    "Thu Trang",
    "Lan Anh",
    "Quang Huy",
    "Hải Yến",
    "Mạnh Cường",
    "Ngọc Ánh",
    "Đức Thịnh",
    "Hồng Nhung",
    "Thành Đạt",
    "Hương Giang",
    "Tiến Dũng",
    "Kim Oanh",
    "Xuân Mai",
    "Bảo Ngọc",
    "Trọng Nghĩa",
    "Thùy Dương",
    "Anh Thư",
    "Việt Hà",
    "Hưng Thịnh",
    "Phương Thảo",
    "Nam Khánh",
    "Minh Châu",
    "Tâm An",
    "Sơn Tùng",
    "Quỳnh Như",
    "Đại Phát",
    "Trường Giang",
)
SHOP_KINDS = (
    "Cửa hàng tạp hóa",
    "Cửa hàng tạp hóa",
    "Cửa hàng tạp hóa",
    "Cửa hàng điện thoại",
    "Cửa hàng xe máy",
    "Cửa hàng vật liệu xây dựng",
    "Cửa hàng điện máy",
    "Quán cơm",
    "Quán cà phê",
    "Quầy thuốc",
    "Tiệm may",
    "Cửa hàng phân bón",
    "Quán phở",
)

# The district town's own venues: (name, type, hamlet index).
SON_LU_VENUES = (
    ("UBND huyện Quan Sơn", "government_office", 0),
    ("Huyện ủy Quan Sơn", "government_office", 0),
    ("Phòng Văn hóa và Thông tin huyện Quan Sơn", "government_office", 0),
    ("Kho bạc Nhà nước Quan Sơn", "government_office", 0),
    ("Chi cục Thuế huyện Quan Sơn", "government_office", 1),
    ("Công an huyện Quan Sơn", "government_office", 1),
    ("Hạt Kiểm lâm Quan Sơn", "government_office", 2),
    ("Tòa án nhân dân huyện Quan Sơn", "government_office", 1),
    ("Viện Kiểm sát nhân dân huyện Quan Sơn", "government_office", 1),
    ("Ban Chỉ huy Quân sự huyện Quan Sơn", "government_office", 3),
    ("UBND thị trấn Sơn Lư", "government_office", 0),
    ("Công an thị trấn Sơn Lư", "government_office", 0),
    ("Trường THPT Quan Sơn", "school", 2),
    ("Trường Phổ thông Dân tộc Nội trú THCS Quan Sơn", "school", 2),
    ("Trường THCS thị trấn Sơn Lư", "school", 1),
    ("Trường Tiểu học thị trấn Sơn Lư", "school", 1),
    ("Trường Mầm non thị trấn Sơn Lư", "school", 0),
    ("Trung tâm Giáo dục nghề nghiệp - Giáo dục thường xuyên huyện Quan Sơn", "school", 3),
    ("Trung tâm Y tế huyện Quan Sơn", "health_station", 1),
    ("Trạm Y tế thị trấn Sơn Lư", "health_station", 0),
    ("Hội trường Huyện ủy Quan Sơn", "meeting_hall", 0),
    ("Hội trường UBND thị trấn Sơn Lư", "meeting_hall", 0),
    ("Trung tâm Hội nghị huyện Quan Sơn", "conference_centre", 0),
    ("Trung tâm Văn hóa - Thông tin và Thể thao huyện Quan Sơn", "conference_centre", 1),
    ("Thư viện huyện Quan Sơn", "library", 0),
    ("Thư viện Trường THPT Quan Sơn", "library", 2),
    ("Sân vận động huyện Quan Sơn", "football_ground", 1),
    ("Sân bóng đá mini Hùng Cường", "football_ground", 3),
    ("Khu vui chơi thiếu nhi thị trấn Sơn Lư", "amusement_area", 0),
    ("Quán karaoke Hoa Ban", "amusement_area", 1),
    ("Quán karaoke Sao Mai", "amusement_area", 2),
    ("Bến xe khách Quan Sơn", "public_transport", 1),
    ("Xe khách Quan Sơn - Thanh Hóa 36B-015.27", "public_transport", 1),
    ("Xe khách Quan Sơn - Hà Nội 36B-028.64", "public_transport", 1),
    ("Nhà sách Quan Sơn", "bookshop", 0),
    ("Nhà sách Minh Châu", "bookshop", 1),
    ("Chợ Sơn Lư", "market", 1),
    ("Siêu thị mini Minh Anh", "mini_supermarket", 0),
    ("Siêu thị mini Thanh Bình", "mini_supermarket", 1),
    ("Siêu thị mini Phúc An", "mini_supermarket", 2),
    ("Nhà nghỉ Hương Sơn", "tourist_accommodation", 1),
    ("Nhà nghỉ Thanh Bình", "tourist_accommodation", 0),
    ("Khách sạn Sông Lò", "tourist_accommodation", 2),
    ("Công ty TNHH Lâm sản Quan Sơn", "enterprise", 4),
    ("Chi nhánh Điện lực Quan Sơn", "enterprise", 0),
    ("Ngân hàng Nông nghiệp và Phát triển Nông thôn chi nhánh Quan Sơn", "enterprise", 0),
    ("Phòng giao dịch Ngân hàng Chính sách xã hội huyện Quan Sơn", "enterprise", 0),
    ("Bưu điện huyện Quan Sơn", "enterprise", 0),
    ("Trung tâm Viễn thông Quan Sơn", "enterprise", 1),
    ("Công ty CP Xây dựng Giao thông Quan Sơn", "enterprise", 5),
    ("Nhà văn hóa khu 1", "village_cultural_house", 0),
    ("Nhà văn hóa khu 2", "village_cultural_house", 1),
    ("Nhà văn hóa khu 3", "village_cultural_house", 2),
    ("Nhà văn hóa khu 4", "village_cultural_house", 3),
    ("Nhà văn hóa bản Lốc", "village_cultural_house", 4),
)
# Karaoke was ordered shut during the outbreaks; these venues are registered but closed.
CLOSED_IN_SON_LU = ("Quán karaoke Hoa Ban", "Quán karaoke Sao Mai")
NA_MEO_VENUES = (
    ("Đồn Biên phòng Na Mèo", "government_office", 0),
    ("Chi cục Hải quan cửa khẩu quốc tế Na Mèo", "government_office", 0),
    ("Chợ cửa khẩu Na Mèo", "market", 0),
    ("Xe khách Na Mèo - Thanh Hóa 36B-009.81", "public_transport", 0),
)

COMPLIANT_NOTES = (
    "Mã QR dán ở cửa chính, có cán bộ trực hướng dẫn quét.",
    "Người ra vào đều quét mã PC-Covid, đơn vị thực hiện tốt.",
    "Có sổ ghi chép cho người không có điện thoại thông minh.",
    "Chủ cơ sở nhắc khách quét mã khi vào.",
    "Mã QR niêm yết rõ ràng tại lối vào, quét thử được.",
    "",
)
ISSUE_NOTES = {
    "hidden": "Mã QR dán khuất sau cánh cửa, đã nhắc chuyển ra vị trí dễ thấy.",
    "damaged": "Mã QR bị mưa làm nhòe, không quét được; đã cấp bản in mã QR mới.",
    "outdated": "Vẫn dán mã Bluezone cũ, đã hướng dẫn đăng ký lại trên PC-Covid.",
    "too_small": "Mã in khổ nhỏ (khoảng 10×10 cm), đề nghị in lại khổ lớn hơn.",
    "no_staff": "Chưa phân công người nhắc nhở khách quét mã.",
    "low_scan": "Quan sát {observed} người vào, chỉ {scanned} người quét mã.",
    "low_staff_app": "Mới {with_app}/{total} nhân viên cài PC-Covid.",
    "no_paper": "Chưa có sổ ghi chép cho người không có điện thoại thông minh.",
    "no_risk": "Doanh nghiệp chưa tự đánh giá nguy cơ lây nhiễm trên hệ thống quốc gia.",
    "no_checkin": "Đơn vị tạo mã QR nhưng không có người quét, không kiểm soát người ra vào.",
    "qr_missing": "Không niêm yết mã QR tại địa điểm; đã cấp bản in mã QR mới.",
    "qr_not_own": "Mã QR dán ở cửa là mã của địa điểm khác; đã hướng dẫn đăng ký mã riêng.",
}
QR_POSTED_ISSUES = ("hidden", "damaged", "outdated")


# A neighbouring district of the province, with national figures only (no venues), so the
# province supervisor's report has more than one row.
NEIGHBOUR_DISTRICT = "Cẩm Thủy"
NEIGHBOUR_COMMUNES = (
    ("Phong Sơn", "thi_tran"),
    ("Cẩm Châu", "xa"),
    ("Cẩm Thành", "xa"),
    ("Cẩm Bình", "xa"),
    ("Cẩm Tú", "xa"),
    ("Cẩm Quý", "xa"),
    ("Cẩm Giang", "xa"),
    ("Cẩm Lương", "xa"),
    ("Cẩm Thạch", "xa"),
    ("Cẩm Liên", "xa"),
    ("Cẩm Long", "xa"),
    ("Cẩm Vân", "xa"),
)
# A district of another province, with national figures only, so the national summary has
# more than one row.
OTHER_PROVINCE = "Sơn La"
OTHER_DISTRICT = "Yên Châu"
OTHER_COMMUNES = (
    ("Yên Châu", "thi_tran"),
    ("Chiềng Đông", "xa"),
    ("Chiềng Sàng", "xa"),
    ("Sặp Vạt", "xa"),
    ("Chiềng Hặc", "xa"),
    ("Tú Nang", "xa"),
)
DEMO_REPORT_WEEKS = 3


class DemoExists(Exception):
    """The database already holds the demo district or one of the demo users."""


@dataclass
class DemoSummary:
    communes: int = 0
    venues: int = 0
    closed_venues: int = 0
    users: int = 0
    inspections: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


@dataclass
class PlannedVisit:
    venue: Venue
    inspector: User
    moment: datetime  # naive UTC
    answers: dict  # by checklist question, as the inspection form gives them


def _demo_assignments(rng: random.Random, venues: list[Venue], users: dict, now: datetime) -> None:
    """Open assignments for the inspectors: a few overdue, most due in the coming days."""
    inspected = {i.venue_id for i in db.session.scalars(select(Inspection))}
    candidates = [v for v in venues if v.is_active and v.id not in inspected]
    today = clock.vietnam_date(now)
    for index, venue in enumerate(rng.sample(candidates, min(12, len(candidates)))):
        db.session.add(
            Assignment(
                venue_id=venue.id,
                inspector_id=users["inspector" if index % 3 else "inspector2"].id,
                due_date=today + timedelta(days=rng.choice([-3, -1, 1, 2, 4, 7, 10])),
                note=rng.choice(
                    [
                        "",
                        "Kiểm tra việc cử người hướng dẫn quét mã.",
                        "Phản ánh của người dân: không có mã QR.",
                    ]
                ),
                created_by_id=users["supervisor"].id,
                created_at=now - timedelta(days=5),
            )
        )
    db.session.flush()


# Citizens' reports of the last days: (days ago, problem, channel, what the office did).
DEMO_CITIZEN_REPORTS = (
    (9, "no_qr", "web", "resolved"),
    (8, "not_checked", "hotline", "rejected"),
    (7, "qr_not_working", "web", None),  # past its deadline, still new: late
    (5, "no_qr", "phone", "assigned"),
    (3, "not_checked", "web", "resolved"),
    (2, "other", "web", "place"),
    (1, "no_qr", "web", "joined"),
    (0, "qr_not_working", "web", None),
)


def _demo_citizen_reports(
    rng: random.Random, venues: list[Venue], users: dict, now: datetime
) -> None:
    """A week of citizens' reports in every state, with Vietnam's public holidays."""
    seed_holidays()
    supervisor = users["supervisor"]
    # Venues nobody is assigned yet: the report's own assignment is then the only one.
    assigned = set(db.session.scalars(select(Assignment.venue_id)))
    open_venues = [v for v in venues if v.is_active and v.id not in assigned]
    for days_ago, problem, channel, handled in DEMO_CITIZEN_REPORTS:
        venue = rng.choice(open_venues)
        received = now - timedelta(days=days_ago, hours=rng.randint(0, 6))
        if handled == "place":
            report, _joined = receive_report(
                commune=venue.commune,
                place="Quán nước đầu cầu bản Hua Na",
                problem=problem,
                details="Quán đông khách nhưng không thấy dán mã QR.",
                received_at=received,
                recorded_at=received,
            )
            continue
        report, _joined = receive_report(
            commune=venue.commune,
            venue=venue,
            problem=problem,
            details="Không thấy ai nhắc khách quét mã." if problem == "not_checked" else "",
            contact_phone=_phone(rng) if channel != "web" else "",
            channel=channel,
            received_at=received,
            entered_by=supervisor if channel != "web" else None,
            recorded_at=received,
        )
        if handled == "joined":
            receive_report(
                commune=venue.commune,
                venue=venue,
                problem=problem,
                received_at=received + timedelta(hours=2),
                recorded_at=received + timedelta(hours=2),
            )
        elif handled == "assigned":
            citizen_reports.assign_inspection(
                report,
                users["inspector2"],
                clock.vietnam_date(now) + timedelta(days=2),
                "Phản ánh của người dân.",
                supervisor,
                clock.vietnam_date(now),
            )
        elif handled == "resolved":
            citizen_reports.resolve(
                report,
                "Đã kiểm tra: địa điểm đã niêm yết lại mã QR ở lối vào. Cảm ơn bạn đã phản ánh.",
                supervisor,
            )
            report.closed_at = received + timedelta(days=1)
        elif handled == "rejected":
            citizen_reports.reject(
                report, "Địa điểm đã ngừng hoạt động từ trước khi có phản ánh.", supervisor
            )
            report.closed_at = received + timedelta(hours=20)
    db.session.flush()


def seed_demo(rng_seed: int = 2021, now: datetime | None = None) -> DemoSummary:
    """Load Quan Sơn with its communes, about 300 venues, demo users and recent inspections."""
    rng = random.Random(rng_seed)
    now = now or clock.utcnow()
    district = _demo_district()
    communes = [
        Commune(name=seed.name, kind=seed.kind, district=district) for seed in QUAN_SON_COMMUNES
    ]
    db.session.add_all(communes)
    users = _demo_users(district)
    venues = _demo_venues(rng, list(zip(QUAN_SON_COMMUNES, communes, strict=False)), now)
    db.session.flush()
    inspections = _demo_inspections(rng, venues, users, now)
    _demo_assignments(rng, venues, users, now)
    _demo_citizen_reports(rng, venues, users, now)
    _demo_figures(rng, district, communes, venues, users["supervisor"], now)

    summary = DemoSummary(
        communes=len(communes),
        venues=len(venues),
        closed_venues=sum(not v.is_active for v in venues),
        users=len(users),
        inspections=len(inspections),
    )
    for inspection in inspections:
        summary.outcomes[inspection.outcome] = summary.outcomes.get(inspection.outcome, 0) + 1
    return summary


def _demo_figures(
    rng: random.Random,
    district: District,
    communes: list[Commune],
    venues: list[Venue],
    supervisor: User,
    now: datetime,
) -> None:
    """The national figures of the last three Fridays, growing week to week, for Quan Sơn,
    its neighbour Cẩm Thủy and Yên Châu of Sơn La (created here when not there yet)."""
    today = clock.vietnam_date(now)
    last_friday = today - timedelta(days=(today.weekday() - 4) % 7)
    dates = [last_friday - timedelta(weeks=n) for n in reversed(range(DEMO_REPORT_WEEKS))]
    all_communes = list(communes)
    if not db.session.scalar(
        select(District.id).where(
            District.province_id == district.province.id, District.name == NEIGHBOUR_DISTRICT
        )
    ):
        neighbour = District(name=NEIGHBOUR_DISTRICT, province=district.province)
        neighbour_communes = [
            Commune(name=name, kind=kind, district=neighbour) for name, kind in NEIGHBOUR_COMMUNES
        ]
        db.session.add_all([neighbour, *neighbour_communes])
        all_communes += neighbour_communes
    all_communes += _other_province_communes()
    db.session.flush()
    venue_counts = {c.id: sum(v.commune_id == c.id for v in venues) for c in communes}
    for commune in all_communes:
        registered = venue_counts.get(commune.id) or rng.randint(20, 60)
        with_qr = max(1, int(registered * rng.uniform(0.6, 0.85)))
        scans = rng.randint(800, 6000) if commune.kind != "thi_tran" else rng.randint(8000, 15000)
        smartphones = rng.randint(900, 4000)
        installs = int(smartphones * rng.uniform(0.2, 0.45))
        for day in dates:
            db.session.add(
                CommuneFigures(
                    commune_id=commune.id,
                    report_date=day,
                    venues_with_qr=with_qr,
                    scans=scans,
                    installs=installs,
                    smartphones=smartphones,
                    source="demo",
                    entered_by_id=supervisor.id,
                )
            )
            with_qr += rng.randint(0, 3)
            scans += rng.randint(300, 2500)
            installs = min(smartphones, installs + rng.randint(5, 60))
    db.session.flush()


def _other_province_communes() -> list[Commune]:
    """Yên Châu (Sơn La) and its communes, for the national summary; none when the database
    has that district already (its figures are then its own)."""
    province = db.session.scalar(select(Province).where(Province.name == OTHER_PROVINCE))
    if province is None:
        province = Province(name=OTHER_PROVINCE)
    elif db.session.scalar(
        select(District.id).where(
            District.province_id == province.id, District.name == OTHER_DISTRICT
        )
    ):
        return []
    district = District(name=OTHER_DISTRICT, province=province)
    communes = [Commune(name=name, kind=kind, district=district) for name, kind in OTHER_COMMUNES]
    db.session.add_all([province, district, *communes])
    return communes


def _demo_district() -> District:
    """Create Quan Sơn in Thanh Hóa (reusing the province); refuse if the demo is there."""
    usernames = [username for username, _, _ in DEMO_USERS]
    taken = db.session.scalars(select(User.username).where(User.username.in_(usernames))).all()
    if taken:
        raise DemoExists(f"users already exist: {', '.join(sorted(taken))}")
    province = db.session.scalar(select(Province).where(Province.name == PROVINCE_NAME))
    if province is None:
        province = Province(name=PROVINCE_NAME)
        db.session.add(province)
    elif db.session.scalar(
        select(District.id).where(
            District.province_id == province.id, District.name == DISTRICT_NAME
        )
    ):
        raise DemoExists(f"district {DISTRICT_NAME} ({PROVINCE_NAME}) already exists")
    district = District(name=DISTRICT_NAME, province=province)
    db.session.add(district)
    return district


def _demo_users(district: District) -> dict[str, User]:
    """The demo accounts, all in Quan Sơn, Vietnamese UI, one shared password."""
    users = {}
    for username, role, display_name in DEMO_USERS:
        user = User(
            username=username,
            display_name=display_name,
            role=role,
            district=district,
            locale="vi",
            is_enabled=True,
            scope=WIDE_USERS.get(username, Scope.DISTRICT).value,
        )
        user.set_password(DEMO_PASSWORD)
        users[username] = user
    db.session.add_all(users.values())
    return users


def _person(rng: random.Random) -> str:
    """A plausible full name of someone from the district."""
    if rng.random() < 0.5:
        return f"{rng.choice(SURNAMES)} Văn {rng.choice(MEN)}"
    return f"{rng.choice(SURNAMES)} Thị {rng.choice(WOMEN)}"


def _phone(rng: random.Random) -> str:
    """A ten-digit mobile number starting 09."""
    return "09" + "".join(str(rng.randint(0, 9)) for _ in range(8))


def _xa_venues(rng: random.Random, seed: CommuneSeed) -> list[tuple[str, str, int]]:
    """Venues of a rural commune: offices, schools, markets, shops, cultural houses."""
    name, last = seed.name, len(seed.hamlets) - 1
    venues = [
        (f"UBND xã {name}", "government_office", 0),
        (f"Công an xã {name}", "government_office", 0),
        (f"Trạm Y tế xã {name}", "health_station", 0),
        (f"Trường Mầm non {name}", "school", 0),
        (f"Trường Tiểu học {name}", "school", min(1, last)),
        (f"Trường THCS {name}", "school", 0),
    ]
    if name == "Na Mèo":
        venues += NA_MEO_VENUES
    optional = (
        (0.8, f"Hội trường UBND xã {name}", "meeting_hall"),
        (0.4, f"Thư viện Trường THCS {name}", "library"),
        (0.85, f"Chợ {name}", "market"),
        (0.7, f"Sân bóng đá xã {name}", "football_ground"),
        (0.6, f"Hợp tác xã Nông lâm nghiệp {name}", "enterprise"),
        (0.15, f"Khu vui chơi thiếu nhi xã {name}", "amusement_area"),
        (
            0.2,
            f"Xe khách {name} - Thanh Hóa 36B-{rng.randint(0, 99):03d}.{rng.randint(0, 99):02d}",
            "public_transport",
        ),
    )
    venues += [
        (venue_name, venue_type, 0)
        for chance, venue_name, venue_type in optional
        if rng.random() < chance
    ]
    for hamlet in rng.sample(seed.hamlets, k=min(len(seed.hamlets), rng.randint(3, 4))):
        venues.append(
            (
                f"Nhà văn hóa {hamlet[0].lower()}{hamlet[1:]}",
                "village_cultural_house",
                seed.hamlets.index(hamlet),
            )
        )
    trade_names = rng.sample(TRADE_NAMES, k=13)
    for trade_name in trade_names[: rng.randint(7, 9)]:
        venues.append((f"{rng.choice(SHOP_KINDS)} {trade_name}", "shop", rng.randint(0, last)))
    if rng.random() < 0.5:
        venues.append((f"Siêu thị mini {trade_names[9]}", "mini_supermarket", 0))
    if rng.random() < 0.25:
        venues.append((f"Cửa hàng sách và thiết bị trường học {trade_names[10]}", "bookshop", 0))
    if rng.random() < 0.7:
        firm = rng.choice(
            (
                "Công ty TNHH Xây dựng",
                "Xưởng chế biến gỗ",
                "Doanh nghiệp tư nhân",
                "Công ty TNHH Lâm sản",
            )
        )
        venues.append((f"{firm} {trade_names[11]}", "enterprise", rng.randint(0, last)))
    if rng.random() < 0.4:
        stay = rng.choice(
            (
                f"Nhà nghỉ {trade_names[12]}",
                f"Homestay {seed.hamlets[last][0].lower()}{seed.hamlets[last][1:]}",
            )
        )
        venues.append((stay, "tourist_accommodation", last))
    return venues


def _address(seed: CommuneSeed, hamlet_index: int) -> str:
    """'Bản Na Hồ, xã Sơn Hà' or 'Khu 2, thị trấn Sơn Lư'."""
    prefix = "thị trấn" if seed.kind == "thi_tran" else "xã"
    return f"{seed.hamlets[hamlet_index]}, {prefix} {seed.name}"


def _demo_venues(
    rng: random.Random, communes: list[tuple[CommuneSeed, Commune]], now: datetime
) -> list[Venue]:
    """Create the district's venues with codes, addresses, positions and QR payloads."""
    venues = []
    for seed, commune in communes:
        planned = list(SON_LU_VENUES) if seed.kind == "thi_tran" else _xa_venues(rng, seed)
        for number, (name, venue_type, hamlet_index) in enumerate(planned, start=1):
            code = f"QS-{seed.code}-{number:04d}"
            venue = Venue(
                code=code,
                name=name,
                venue_type=venue_type,
                commune=commune,
                address=_address(seed, hamlet_index),
                created_at=now - timedelta(days=rng.randint(60, 120)),
            )
            # Most venues were located by the commune officers; a few never were.
            if rng.random() < 0.92:
                venue.latitude = round(rng.gauss(seed.latitude, 0.006), 6)
                venue.longitude = round(rng.gauss(seed.longitude, 0.006), 6)
            if rng.random() < 0.9:
                venue.contact_name = _person(rng)
                venue.contact_phone = _phone(rng)
            # A few venues have not registered a code with PC-Covid yet.
            if rng.random() < 0.95:
                token = f"{rng.getrandbits(40):010x}"
                venue.qr_payload = f"https://qr.pccovid.gov.vn/v/{code}?k={token}"
            venue.is_active = name not in CLOSED_IN_SON_LU and rng.random() > 0.015
            venues.append(venue)
    db.session.add_all(venues)
    return venues


def _local_moment(rng: random.Random, day: date) -> datetime:
    """A working-hours moment (07:30-16:45 Vietnam time) of a day, as naive UTC."""
    minutes = rng.randint(7 * 60 + 30, 16 * 60 + 45)
    return clock.at_vietnam_time(day, time(minutes // 60, minutes % 60))


def _compliant_answers(rng: random.Random, venue: Venue) -> dict:
    """Answers of a visit where nothing is wrong."""
    observed = rng.randint(4, 20)
    small = venue.venue_type in (
        "shop",
        "mini_supermarket",
        "bookshop",
        "public_transport",
        "village_cultural_house",
        "football_ground",
    )
    staff_total = rng.randint(1, 4) if small else rng.randint(5, 40)
    return {
        "qr_posted": "visible",
        "qr_matches": "yes",
        "checkin_method": rng.choices(("visitors_scan", "both", "staff_scan"), (70, 25, 5))[0],
        "qr_size_ok": True if rng.random() < 0.9 else None,
        "staff_assigned": True,
        "staff_name": _person(rng),
        "staff_phone": _phone(rng),
        "visitors_observed": observed,
        "visitors_scanned": observed - rng.randint(0, observed // 5),
        "venue_scan_count": rng.randint(40, 3000) if rng.random() < 0.7 else None,
        "staff_total": staff_total,
        "staff_with_app": staff_total - rng.randint(0, staff_total // 5),
        "paper_fallback": True if rng.random() < 0.85 else None,
        "risk_assessment_done": True if venue.is_enterprise else None,
        "actions": ["reminder"] if rng.random() < 0.2 else [],
        "reinspection_due": None,
        "notes": rng.choice(COMPLIANT_NOTES),
        "scanned_payload": "",
    }


def _apply_issue(rng: random.Random, answers: dict, issue: str) -> None:
    """Change compliant answers so that they show one problem, with what was done about it."""
    actions = answers["actions"]
    if issue in QR_POSTED_ISSUES:
        answers["qr_posted"] = issue
        actions += ["poster_issued"] if issue == "damaged" else []
        actions += ["guided_registration", "poster_issued"] if issue == "outdated" else []
    elif issue == "too_small":
        answers["qr_size_ok"] = False
        actions.append("poster_issued")
    elif issue == "no_staff":
        answers.update(staff_assigned=False, staff_name="", staff_phone="")
    elif issue == "low_scan":
        answers["visitors_scanned"] = rng.randint(0, int(answers["visitors_observed"] * 0.6))
    elif issue == "low_staff_app":
        answers["staff_total"] = max(answers["staff_total"], 4)
        answers["staff_with_app"] = rng.randint(0, answers["staff_total"] // 2)
    elif issue == "no_paper":
        answers["paper_fallback"] = False
    elif issue == "no_risk":
        answers["risk_assessment_done"] = False
    elif issue == "no_checkin":
        answers.update(
            checkin_method="none",
            staff_assigned=False,
            staff_name="",
            staff_phone="",
            visitors_scanned=0,
        )
    elif issue == "qr_missing":
        answers.update(
            qr_posted="missing", qr_size_ok=None, checkin_method="visitors_scan", visitors_scanned=0
        )
        actions.append("poster_issued")
    elif issue == "qr_not_own":
        answers["qr_matches"] = "no"
        actions += ["guided_registration", "poster_issued"]
    note = ISSUE_NOTES[issue].format(
        observed=answers["visitors_observed"],
        scanned=answers["visitors_scanned"],
        with_app=answers["staff_with_app"],
        total=answers["staff_total"],
    )
    answers["notes"] = " ".join(part for part in (answers["notes"], note) if part)


def _answers(rng: random.Random, venue: Venue, intended: str, day: date) -> dict:
    """Answers that lead to the intended outcome, with a re-inspection date if it is not met."""
    answers = _compliant_answers(rng, venue)
    if intended == "compliant":
        return answers
    answers["notes"] = ""
    answers["actions"] = ["reminder"]
    if intended == "non_compliant":
        issues = [rng.choice(("no_checkin", "qr_missing", "qr_missing", "qr_not_own"))]
        days_given = 7
    else:
        shortfalls = [
            "hidden",
            "damaged",
            "outdated",
            "too_small",
            "no_staff",
            "no_staff",
            "low_scan",
            "low_scan",
            "low_staff_app",
            "no_paper",
        ]
        if venue.is_enterprise:
            shortfalls += ["no_risk", "no_risk"]
        issues = rng.sample(shortfalls, k=rng.choice((1, 1, 2)))
        if len(set(issues) & set(QR_POSTED_ISSUES)) > 1:
            issues = issues[:1]
        days_given = rng.choice((7, 14))
    for issue in dict.fromkeys(issues):
        _apply_issue(rng, answers, issue)
    answers["actions"] = list(dict.fromkeys(answers["actions"] + ["reinspection_scheduled"]))
    answers["reinspection_due"] = day + timedelta(days=days_given)
    return answers


def _plan_visits(
    rng: random.Random, venues: list[Venue], users: dict[str, User], now: datetime
) -> list[PlannedVisit]:
    """First visits over the last five weeks, and follow-ups of failed ones that fell due."""
    inspectors = [users["inspector"], users["inspector2"], users["supervisor"]]
    today = clock.vietnam_date(now)
    candidates = [v for v in venues if v.is_active and v.qr_payload]
    visits = []
    for venue in rng.sample(candidates, k=FIRST_VISITS):
        day = today - timedelta(days=rng.randint(0, WEEKS_OF_INSPECTIONS * 7 - 1))
        if day.weekday() == 6:  # nobody inspects on Sunday
            day -= timedelta(days=1)
        moment = _local_moment(rng, day)
        if moment > now:
            day -= timedelta(days=1)
            moment = _local_moment(rng, day)
        intended = rng.choices(("compliant", "needs_improvement", "non_compliant"), (58, 29, 13))[0]
        inspector = rng.choices(inspectors, (60, 30, 10))[0]
        answers = _answers(rng, venue, intended, day)
        visits.append(PlannedVisit(venue, inspector, moment, answers))

        due = answers["reinspection_due"]
        # Three in four failed venues were visited again once due; the rest are overdue.
        if due is not None and due < today and rng.random() < 0.75:
            follow_day = min(due + timedelta(days=rng.randint(-2, 2)), today)
            follow_moment = _local_moment(rng, follow_day)
            if moment < follow_moment < now:
                again = rng.choices(
                    ("compliant", "needs_improvement", "non_compliant"), (75, 20, 5)
                )[0]
                visits.append(
                    PlannedVisit(
                        venue, inspector, follow_moment, _answers(rng, venue, again, follow_day)
                    )
                )
    return sorted(visits, key=lambda visit: visit.moment)


def _visit_position(
    rng: random.Random, venue: Venue, commune_centre: tuple[float, float]
) -> Position:
    """Where the phone said it was: near the venue, sometimes imprecise or without a fix."""
    roll = rng.random()
    if roll < 0.04:
        return Position(None, None, None)
    latitude, longitude = (
        (venue.latitude, venue.longitude) if venue.has_position else commune_centre
    )
    spread_m = rng.uniform(350, 800) if roll < 0.08 else abs(rng.gauss(0, 25))
    direction = rng.uniform(-1, 1), rng.uniform(-1, 1)
    metres_per_degree = 111_320
    accuracy = rng.uniform(120, 300) if rng.random() < 0.08 else rng.uniform(4, 35)
    return Position(
        round(latitude + direction[0] * spread_m / metres_per_degree, 6),
        round(longitude + direction[1] * spread_m / metres_per_degree, 6),
        round(accuracy, 1),
    )


def _demo_inspections(
    rng: random.Random, venues: list[Venue], users: dict[str, User], now: datetime
) -> list[Inspection]:
    """Record the planned visits through the real submission service, dated in the past."""
    centres = {seed.name: (seed.latitude, seed.longitude) for seed in QUAN_SON_COMMUNES}
    inspections = []
    for visit in _plan_visits(rng, venues, users, now):
        venue = visit.venue
        position = _visit_position(rng, venue, centres[venue.commune.name])
        # Most findings reach the server within minutes; some waited hours for a signal.
        delay = (
            timedelta(hours=rng.uniform(1, 4))
            if rng.random() < 0.1
            else timedelta(seconds=rng.randint(5, 300))
        )
        submission = Submission(
            uuid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            answers=visit.answers,
            position=position,
            device_time=visit.moment,
        )
        # The demo's findings come without photos.
        result = submit_finding(
            venue,
            visit.inspector,
            submission,
            photos_required=False,
            received_at=min(visit.moment + delay, now),
        )
        inspections.append(result.inspection)
    db.session.flush()
    return inspections

"""Files every server can show (fieldapp/storage.py): the store on both backends (a local
folder, and moto's S3 server), the photos' whole way, batch PDFs, spreadsheets waiting for
their import, the copy of local files into object storage, orphans and the health check."""

import io
import re
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import boto3
import pytest
from PIL import Image
from sqlalchemy import select

import fieldapp.cli
from fieldapp import create_app, storage
from fieldapp.config import SettingError
from fieldapp.extensions import db
from fieldapp.inspections.photos import kept_photos, photo_prefix
from fieldapp.inspections.service import ORPHAN_AGE, orphan_upload_folders
from fieldapp.models import CommuneFigures, Inspection, PosterBatch, Venue
from fieldapp.posters.service import batch_key
from tests import servers
from tests.conftest import LogIn
from tests.factories import inspection_answers, jpeg_bytes

JSON = {"Accept": "application/json"}
FIGURES = Path(__file__).parent / "fixtures" / "figures" / "quan_son_2021-11-05.csv"
S3_PREFIX = "province"
# A test for one backend only: the `backend` fixture's value, given directly.
ON_S3 = pytest.mark.parametrize("backend", ["s3"])
ON_LOCAL = pytest.mark.parametrize("backend", ["local"])


@pytest.fixture(scope="session")
def s3_endpoint():
    """moto's S3 server, started once for the session (only if a test asks for it)."""
    with servers.s3() as endpoint:
        yield endpoint


def new_bucket(endpoint: str) -> str:
    name = f"fieldapp-{uuid.uuid4().hex[:16]}"
    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=name)
    return name


@pytest.fixture
def aws_env(monkeypatch):
    # moto takes any key; the region is the standard variable's.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "fieldapp-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fieldapp-test-secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture
def s3_settings(s3_endpoint, aws_env):
    """The settings of a fresh bucket, for this test only."""
    return {
        "STORAGE_URL": f"s3://{new_bucket(s3_endpoint)}/{S3_PREFIX}",
        "S3_ENDPOINT_URL": s3_endpoint,
    }


@pytest.fixture
def bucket(s3_settings):
    """The test bucket as S3 itself shows it: bucket.objects(), bucket.head(key)."""
    client = boto3.client("s3", endpoint_url=s3_settings["S3_ENDPOINT_URL"])
    name = storage.s3_location(s3_settings["STORAGE_URL"]).bucket

    def objects() -> list[str]:
        listed = client.list_objects_v2(Bucket=name).get("Contents", [])
        return sorted(item["Key"] for item in listed)

    return SimpleNamespace(
        name=name, objects=objects, head=lambda key: client.head_object(Bucket=name, Key=key)
    )


@pytest.fixture(params=["local", "s3"])
def backend(request):
    return request.param


@pytest.fixture
def app(app, backend, request):
    """The conftest app, its files in local folders or in a fresh S3 bucket."""
    if backend == "s3":
        app.config.update(request.getfixturevalue("s3_settings"))
    return app


@pytest.fixture
def venue(make_venue):
    return make_venue("Chợ Sơn Hà", latitude=20.256, longitude=104.942)


def photo_bytes(path: str) -> bytes:
    return storage.area("photos").read(path)


# The store itself ------------------------------------------------------------------------


@pytest.fixture
def store(app, backend):
    return storage.area("figures")


def test_put_read_stat_and_delete(store, backend, bucket_or_none):
    store.put("a/one.txt", b"first")
    store.put("a/one.txt", b"second")  # replaced
    assert store.read("a/one.txt") == b"second"
    entry = store.stat("a/one.txt")
    assert entry.key == "a/one.txt" and entry.size == 6
    assert abs(entry.modified - time.time()) < 24 * 3600  # a time.time() value, not 1970
    assert store.exists("a/one.txt") and not store.exists("a/two.txt")
    assert store.stat("a/two.txt") is None and store.stat("a") is None
    stream, size = store.stream("a/one.txt")
    with stream:
        assert stream.read() == b"second" and size == 6
    store.delete("a/one.txt")
    store.delete("a/one.txt")  # nothing there: no error
    assert not store.exists("a/one.txt")
    with pytest.raises(FileNotFoundError):
        store.read("a/one.txt")
    with pytest.raises(FileNotFoundError):
        store.stream("a/one.txt")
    if bucket_or_none:  # the area is the prefix's "figures/" in the bucket
        assert bucket_or_none.objects() == []


@pytest.fixture
def bucket_or_none(backend, request):
    return request.getfixturevalue("bucket") if backend == "s3" else None


def test_entries_lists_a_prefix_in_key_order(store, backend, bucket_or_none):
    for key in ("b/2.jpg", "b/1.jpg", "bc/3.jpg", "b/deeper/4.jpg", "top.csv"):
        store.put(key, key.encode())
    assert [e.key for e in store.entries("b/")] == ["b/1.jpg", "b/2.jpg", "b/deeper/4.jpg"]
    assert [e.key for e in store.entries("b")][-1] == "bc/3.jpg"
    assert {e.key: e.size for e in store.entries()} == {
        "b/1.jpg": 7,
        "b/2.jpg": 7,
        "b/deeper/4.jpg": 14,
        "bc/3.jpg": 8,
        "top.csv": 7,
    }
    assert store.entries("nothing/") == []
    if bucket_or_none:
        assert f"{S3_PREFIX}/figures/b/1.jpg" in bucket_or_none.objects()


def test_put_file_stores_a_local_file(store, tmp_path):
    made = tmp_path / "made.pdf"
    made.write_bytes(b"%PDF" + b"x" * 100_000)
    store.put_file("batch-1.pdf", made)
    assert store.read("batch-1.pdf") == made.read_bytes()


@pytest.mark.parametrize("key", ["../escape.txt", "/etc/passwd", "a//b", "a/../../b", "", "a/."])
def test_a_key_cannot_leave_its_area(store, key):
    with pytest.raises(ValueError, match="not a storage key"):
        store.put(key, b"x")
    with pytest.raises(ValueError, match="not a storage key"):
        store.read(key)


@ON_S3
def test_s3_keeps_metadata_with_the_object(app, backend):
    photos = storage.area("photos")
    photos.put("x/p.jpg", b"jpeg", {"width": 640, "height": "480"})
    assert photos.stat("x/p.jpg").metadata == {"width": "640", "height": "480"}


@ON_LOCAL
def test_a_local_write_never_leaves_a_part_file_visible(app, backend):
    store = storage.area("photos")
    store.put("u/a.jpg", b"whole")
    folder = Path(app.config["UPLOAD_FOLDER"]) / "u"
    (folder / "b.jpg.0123.part").write_bytes(b"half")  # another request's, being written
    assert [entry.key for entry in store.entries("u/")] == ["u/a.jpg"]
    assert sorted(path.name for path in folder.iterdir()) == ["a.jpg", "b.jpg.0123.part"]
    store.delete("u/a.jpg")
    store.delete("u/b.jpg.0123.part")
    assert not folder.exists()  # an emptied folder goes too
    work = Path(app.config["UPLOAD_FOLDER"]) / f"{storage.WORK_PREFIX}123"
    work.mkdir()
    (work / "batch.pdf").write_bytes(b"being made")
    assert store.entries() == []


@pytest.mark.parametrize(
    ("url", "bucket", "prefix"),
    [
        ("s3://photos", "photos", ""),
        ("s3://photos/", "photos", ""),
        ("s3://photos/thanh-hoa/prod/", "photos", "thanh-hoa/prod/"),
    ],
)
def test_the_storage_url(url, bucket, prefix):
    assert storage.s3_location(url) == storage.S3Location(bucket, prefix)
    assert storage.s3_location("") is None and storage.s3_location("  ") is None


@pytest.mark.parametrize("url", ["/srv/photos", "https://s3.example.com/b", "s3:///nobucket"])
def test_a_storage_url_it_cannot_use_stops_the_app(url, migrated_db):
    with pytest.raises(SettingError, match="FIELDAPP_STORAGE_URL"):
        create_app({"STORAGE_URL": url, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{migrated_db}"})


# Photos --------------------------------------------------------------------------------


def test_a_finding_s_photo_is_stored_and_shown_only_to_its_district(
    app, backend, bucket_or_none, client, login, make_user, venue, other_district
):
    login()
    answers = inspection_answers()
    answers["photos"] = (io.BytesIO(jpeg_bytes((3200, 2400))), "big.jpg")
    response = client.post(
        f"/venues/{venue.id}/inspections", data=answers, content_type="multipart/form-data"
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    [photo] = db.session.scalar(select(Inspection)).photos
    assert photo.path.startswith(photo_prefix(answers["uuid"]))
    assert (photo.width, photo.height) == (1600, 1200)
    stored = photo_bytes(photo.path)
    assert len(stored) == photo.size_bytes
    if bucket_or_none:
        assert bucket_or_none.objects() == [f"{S3_PREFIX}/photos/{photo.path}"]
        assert bucket_or_none.head(f"{S3_PREFIX}/photos/{photo.path}")["ContentType"] == (
            "image/jpeg"
        )
        assert not list(Path(app.config["UPLOAD_FOLDER"]).iterdir())  # nothing on this disk

    shown = client.get(f"/photos/{photo.path}")
    assert shown.status_code == 200 and shown.mimetype == "image/jpeg"
    assert shown.data == stored and shown.headers["Content-Length"] == str(len(stored))
    assert shown.headers["Cache-Control"] == "no-store"
    assert "Location" not in shown.headers  # streamed by the app, never a redirect
    with Image.open(io.BytesIO(shown.data)) as image:
        assert image.size == (1600, 1200)

    login(make_user("outsider", role="supervisor", district=other_district))
    assert client.get(f"/photos/{photo.path}").status_code == 404
    login.logout()
    assert client.get(f"/photos/{photo.path}").status_code == 302  # to the log-in


def test_a_recorded_photo_missing_from_the_store_is_not_found(app, client, login, venue):
    login()
    response = client.post(
        f"/venues/{venue.id}/inspections",
        data=inspection_answers(),
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    [photo] = db.session.scalar(select(Inspection)).photos
    storage.area("photos").delete(photo.path)
    assert client.get(f"/photos/{photo.path}").status_code == 404


def test_photos_of_a_refused_form_are_kept_for_its_resubmission(app, client, login, venue):
    login()
    uid = str(uuid.uuid4())
    answers = inspection_answers(uuid=uid, qr_posted=None)
    answers["photos"] = [
        (io.BytesIO(jpeg_bytes((640, 480), (200, 0, 0))), "a.jpg"),
        (io.BytesIO(jpeg_bytes((480, 640), (0, 0, 200))), "b.jpg"),
    ]
    refused = client.post(
        f"/venues/{venue.id}/inspections", data=answers, content_type="multipart/form-data"
    )
    assert refused.status_code == 422
    assert "Đã nhận 2 ảnh" in refused.get_data(as_text=True)
    kept = kept_photos(storage.area("photos"), uid)
    assert [(p.width, p.height) for p in kept] == [(640, 480), (480, 640)]  # in sending order

    again = inspection_answers(uuid=uid)
    del again["photos"]
    accepted = client.post(
        f"/venues/{venue.id}/inspections", data=again, content_type="multipart/form-data"
    )
    assert accepted.status_code == 303, accepted.get_data(as_text=True)[:300]
    photos = db.session.scalar(select(Inspection)).photos
    assert [(p.path, p.width, p.height) for p in photos] == [
        (p.path, p.width, p.height) for p in kept
    ]
    for photo in photos:
        assert client.get(f"/photos/{photo.path}").data == photo_bytes(photo.path)


def test_the_outbox_resending_drops_the_photo_the_inspector_removed(app, client, login, venue):
    login()
    uid = str(uuid.uuid4())
    red, blue = jpeg_bytes((640, 480), (200, 0, 0)), jpeg_bytes((640, 480), (0, 0, 200))
    answers = inspection_answers(uuid=uid, qr_posted=None)
    answers["photos"] = [(io.BytesIO(red), "a.jpg"), (io.BytesIO(blue), "b.jpg")]
    refused = client.post(
        f"/venues/{venue.id}/inspections",
        data=answers,
        headers=JSON,
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    assert len(storage.area("photos").entries(photo_prefix(uid))) == 2
    fixed = client.post(
        f"/venues/{venue.id}/inspections",
        data=inspection_answers(uuid=uid, photos=(io.BytesIO(blue), "b.jpg")),
        headers=JSON,
        content_type="multipart/form-data",
    )
    assert fixed.status_code == 201, fixed.get_data(as_text=True)[:300]
    [photo] = db.session.scalar(select(Inspection)).photos
    assert [e.key for e in storage.area("photos").entries(photo_prefix(uid))] == [photo.path]
    with Image.open(io.BytesIO(client.get(f"/photos/{photo.path}").data)) as image:
        assert image.getpixel((10, 10))[2] > 150  # the blue one


@ON_S3
def test_listing_a_form_s_photos_on_s3_downloads_none(app, backend, client, login, venue):
    login()
    uid = str(uuid.uuid4())
    refused = client.post(
        f"/venues/{venue.id}/inspections",
        data=inspection_answers(uuid=uid, qr_posted=None),
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422

    def no_download(self, key):
        raise AssertionError(f"{key} was downloaded")

    original = storage.S3Store.read
    storage.S3Store.read = no_download
    try:
        [kept] = kept_photos(storage.area("photos"), uid)
    finally:
        storage.S3Store.read = original
    assert (kept.width, kept.height) == (800, 600)


@ON_S3
def test_a_photo_is_unavailable_while_the_object_storage_is(app, backend, client, login, venue):
    login()
    client.post(
        f"/venues/{venue.id}/inspections",
        data=inspection_answers(),
        content_type="multipart/form-data",
    )
    [photo] = db.session.scalar(select(Inspection)).photos
    app.config["S3_ENDPOINT_URL"] = f"http://127.0.0.1:{servers.free_port()}"  # nothing there
    assert client.get(f"/photos/{photo.path}").status_code == 503


@ON_S3
def test_a_finding_sent_while_the_object_storage_is_down_is_refused_for_now(
    app, backend, client, login, venue
):
    """503 (the outbox sends it again later), nothing recorded; then it goes through."""
    login()
    endpoint = app.config["S3_ENDPOINT_URL"]
    app.config["S3_ENDPOINT_URL"] = f"http://127.0.0.1:{servers.free_port()}"  # nothing there
    uid = str(uuid.uuid4())
    down = client.post(
        f"/venues/{venue.id}/inspections",
        data=inspection_answers(uuid=uid),
        headers=JSON,
        content_type="multipart/form-data",
    )
    assert down.status_code == 503 and down.get_json()["status"] == "retry"
    assert db.session.scalar(select(Inspection)) is None
    app.config["S3_ENDPOINT_URL"] = endpoint
    again = client.post(
        f"/venues/{venue.id}/inspections",
        data=inspection_answers(uuid=uid),
        headers=JSON,
        content_type="multipart/form-data",
    )
    assert again.status_code == 201, again.get_data(as_text=True)[:300]
    assert len(db.session.scalar(select(Inspection)).photos) == 1


def test_the_inspection_pdf_has_the_stored_photo(app, client, login, make_user, venue):
    login()
    client.post(
        f"/venues/{venue.id}/inspections",
        data=inspection_answers(),
        content_type="multipart/form-data",
    )
    inspection = db.session.scalar(select(Inspection))
    with_photo = client.get(f"/inspections/{inspection.id}.pdf")
    storage.area("photos").delete(inspection.photos[0].path)
    without = client.get(f"/inspections/{inspection.id}.pdf")
    assert with_photo.status_code == without.status_code == 200
    assert b"/Subtype /Image" in with_photo.data and b"/Subtype /Image" not in without.data


# Another server ------------------------------------------------------------------------


@pytest.fixture
def second_server(app, tmp_path, make_user):
    """Another app on the same database and storage settings, with local folders of its
    own: what a second server behind the load balancer has."""
    other = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": app.config["SECRET_KEY"],
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "UPLOAD_FOLDER": str(tmp_path / "second" / "uploads"),
            "FIGURES_UPLOAD_FOLDER": str(tmp_path / "second" / "figure-imports"),
            "POSTER_FOLDER": str(tmp_path / "second" / "posters"),
            "WTF_CSRF_ENABLED": False,
            "PASSWORD_HASH_METHOD": app.config["PASSWORD_HASH_METHOD"],
            "STORAGE_URL": app.config["STORAGE_URL"],
            "S3_ENDPOINT_URL": app.config["S3_ENDPOINT_URL"],
            "JOBS_IMMEDIATE": True,  # as the first: a job runs in the request that queues it
        }
    )
    client = other.test_client()
    yield SimpleNamespace(client=client, login=LogIn(client, make_user))
    with other.app_context():
        db.engine.dispose()


@ON_S3
def test_a_photo_received_by_one_server_is_shown_by_another(
    app, backend, client, login, venue, second_server
):
    user = login()
    client.post(
        f"/venues/{venue.id}/inspections",
        data=inspection_answers(),
        content_type="multipart/form-data",
    )
    [photo] = db.session.scalar(select(Inspection)).photos
    second_server.login(user)
    shown = second_server.client.get(f"/photos/{photo.path}")
    assert shown.status_code == 200 and shown.data == photo_bytes(photo.path)


def waiting_token(preview) -> str:
    """The token of a previewed spreadsheet, from its preview page."""
    assert preview.status_code == 200, preview.get_data(as_text=True)[:300]
    return re.search(r'name="token" value="([^"]+)"', preview.get_data(as_text=True)).group(1)


def preview_figures(client, district) -> str:
    """Preview the national figures of 05/11/2021 for the district; the waiting file's token."""
    return waiting_token(
        client.post(
            "/reports/import",
            data={
                "district": district.id,
                "date": "2021-11-05",
                "file": (io.BytesIO(FIGURES.read_bytes()), "quan_son.csv"),
            },
            content_type="multipart/form-data",
        )
    )


@ON_S3
def test_a_spreadsheet_previewed_on_one_server_is_imported_on_another(
    app, backend, bucket_or_none, client, login, make_user, quan_son, second_server
):
    supervisor = login(make_user("supervisor", role="supervisor"))
    token = preview_figures(client, quan_son)
    [waiting] = bucket_or_none.objects()
    assert waiting.startswith(f"{S3_PREFIX}/figures/u{supervisor.id}-{token}.")

    second_server.login(supervisor)
    applied = second_server.client.post(
        "/reports/import",
        data={
            "token": token,
            "district": quan_son.id,
            "date": "2021-11-05",
            "source": "quan_son.csv",
            "action": "apply",
        },
    )
    assert applied.status_code == 303, applied.get_data(as_text=True)[:500]
    assert db.session.scalar(select(CommuneFigures.id).limit(1)) is not None
    assert bucket_or_none.objects() == []  # imported: no longer waiting


@ON_S3
def test_a_venue_registry_previewed_on_one_server_is_imported_on_another(
    app, backend, bucket, client, login, make_user, quan_son, second_server
):
    admin = login(make_user("admin", role="admin"))
    registry = "Mã,Tên,Loại hình,Xã\nQS-NEW,Nhà sách Quan Sơn,Nhà sách,TT. Sơn Lư\n"
    preview = client.post(
        "/venues/import",
        data={"file": (io.BytesIO(registry.encode()), "so-dia-diem.csv"), "update": "1"},
        content_type="multipart/form-data",
    )
    token = waiting_token(preview)
    second_server.login(admin)
    imported = second_server.client.post(
        "/venues/import",
        data={"token": token, "district": quan_son.id, "update": "1", "action": "apply"},
    )
    assert imported.status_code == 303, imported.get_data(as_text=True)[:500]
    assert db.session.scalar(select(Venue.name).where(Venue.code == "QS-NEW")) == (
        "Nhà sách Quan Sơn"
    )
    assert bucket.objects() == []


def test_a_spreadsheet_waits_for_its_import_in_the_store(app, client, login, make_user, quan_son):
    supervisor = login(make_user("supervisor", role="supervisor"))
    token = preview_figures(client, quan_son)
    figures = storage.area("figures")
    [waiting] = figures.entries(f"u{supervisor.id}-")
    assert figures.read(waiting.key) == FIGURES.read_bytes()
    someone_else = login(make_user("supervisor2", role="supervisor"))
    stolen = client.post(
        "/reports/import",
        data={"token": token, "district": quan_son.id, "date": "2021-11-05", "action": "apply"},
    )
    assert stolen.status_code == 422 and someone_else.id != supervisor.id
    login(supervisor)
    applied = client.post(
        "/reports/import",
        data={"token": token, "district": quan_son.id, "date": "2021-11-05", "action": "apply"},
    )
    assert applied.status_code == 303
    assert figures.entries() == []


# Poster batches --------------------------------------------------------------------------


def test_a_batch_pdf_is_stored_then_downloaded(
    app, backend, bucket_or_none, client, login, make_user, make_venue, quan_son
):
    login(make_user("supervisor", role="supervisor"))
    commune = quan_son.communes[0]
    for name in ("Chợ Sơn Hà", "Trường THCS Sơn Hà"):
        make_venue(name, commune=commune)
    response = client.post("/posters/batches", data={"commune": commune.id, "size": "A6"})
    assert response.status_code == 303
    batch = db.session.scalar(select(PosterBatch))
    assert batch.state == "done", batch.error
    stored = storage.area("posters").read(batch_key(batch))
    download = client.get(f"/posters/batches/{batch.id}/download")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.data == stored and stored.startswith(b"%PDF")
    assert "posters-batch-" in download.headers["Content-Disposition"]
    # The work folder is emptied: the PDF lives in the store only.
    leftovers = [p for p in Path(app.config["POSTER_FOLDER"]).rglob("*") if p.is_file()]
    if bucket_or_none:
        assert bucket_or_none.objects() == [f"{S3_PREFIX}/posters/batch-{batch.id}.pdf"]
        head = bucket_or_none.head(f"{S3_PREFIX}/posters/batch-{batch.id}.pdf")
        assert head["ContentType"] == "application/pdf"
        assert leftovers == []
    else:
        assert leftovers == [Path(app.config["POSTER_FOLDER"]) / f"batch-{batch.id}.pdf"]
    storage.area("posters").delete(batch_key(batch))
    assert client.get(f"/posters/batches/{batch.id}/download").status_code == 404


# Orphans ---------------------------------------------------------------------------------


def test_uploads_orphans_finds_and_removes_them_in_the_store(app, client, login, venue):
    login()
    response = client.post(
        f"/venues/{venue.id}/inspections",
        data=inspection_answers(),
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    recorded = db.session.scalar(select(Inspection))
    photos = storage.area("photos")
    orphan = "0b6f4a4e-2b7e-4f43-9d1c-6a0f3c1f5e11"
    photos.put(f"{orphan}/abc.jpg", b"photo")
    photos.put(f"{orphan}/def.jpg", b"photo 2")
    photos.put("not-a-uuid/x.jpg", b"kept: not a form's")
    assert orphan_upload_folders(time.time()) == []  # all new: a form may be being written

    later = time.time() + ORPHAN_AGE + 3600
    [found] = orphan_upload_folders(later)
    assert found.prefix == f"{orphan}/" and found.size == 12 and len(found.files) == 2

    # The command, a day later.
    runner = app.test_cli_runner()
    fieldapp.cli.time, real_time = SimpleNamespace(time=lambda: later), fieldapp.cli.time
    try:
        listed = runner.invoke(args=["uploads-orphans"])
        removed = runner.invoke(args=["uploads-orphans", "--remove"])
        again = runner.invoke(args=["uploads-orphans"])
    finally:
        fieldapp.cli.time = real_time
    assert f"{orphan}/  2 files" in listed.output and recorded.uuid not in listed.output
    assert "Removed 1 folders." in removed.output
    assert "No orphan upload folders." in again.output
    assert photos.entries(orphan) == []
    assert photos.exists("not-a-uuid/x.jpg")
    assert all(photos.exists(photo.path) for photo in recorded.photos)


# Copying local files into object storage ---------------------------------------------------


@ON_LOCAL
def test_storage_move_local_copies_once(app, backend, client, login, venue, request):
    login()
    for _ in range(2):
        client.post(
            f"/venues/{venue.id}/inspections",
            data=inspection_answers(),
            content_type="multipart/form-data",
        )
    photos = [photo for i in db.session.scalars(select(Inspection)) for photo in i.photos]
    storage.area("posters").put("batch-7.pdf", b"%PDF-1.4 a batch")
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["storage-move-local"])
    assert refused.exit_code == 2 and "FIELDAPP_STORAGE_URL is empty" in refused.output

    app.config.update(request.getfixturevalue("s3_settings"))
    bucket = request.getfixturevalue("bucket")
    first = runner.invoke(args=["storage-move-local"])
    assert first.exit_code == 0, first.output
    assert "photos: 2 copied" in first.output and "0 already there" in first.output
    assert "batch PDFs: 1 copied" in first.output
    assert bucket.objects() == sorted(
        [f"{S3_PREFIX}/photos/{p.path}" for p in photos] + [f"{S3_PREFIX}/posters/batch-7.pdf"]
    )
    head = bucket.head(f"{S3_PREFIX}/photos/{photos[0].path}")
    assert head["Metadata"]["width"] == "800" and head["Metadata"]["height"] == "600"

    second = runner.invoke(args=["storage-move-local"])
    assert second.exit_code == 0, second.output
    assert "photos: 0 copied (0 KiB), 2 already there." in second.output
    assert "batch PDFs: 0 copied (0 KiB), 1 already there." in second.output

    # Now served from S3, with the local files gone.
    for path in Path(app.config["UPLOAD_FOLDER"]).rglob("*.jpg"):
        path.unlink()
    shown = client.get(f"/photos/{photos[0].path}")
    assert shown.status_code == 200 and len(shown.data) == photos[0].size_bytes


# The health check ------------------------------------------------------------------------


@ON_LOCAL
def test_check_local_folders(app, backend, tmp_path):
    assert storage.check() is True
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "missing")
    assert storage.check() is False


@ON_S3
def test_check_is_false_without_the_bucket(app, backend):
    assert storage.check() is True
    app.config["STORAGE_URL"] = f"s3://fieldapp-missing-{uuid.uuid4().hex[:8]}/x"
    assert storage.check() is False


@ON_LOCAL  # its own S3 server, stopped during the test
def test_check_is_false_when_the_s3_server_stops(app, aws_env):
    with servers.s3() as endpoint:
        app.config.update(
            {"STORAGE_URL": f"s3://{new_bucket(endpoint)}", "S3_ENDPOINT_URL": endpoint}
        )
        assert storage.check() is True
    assert storage.check() is False

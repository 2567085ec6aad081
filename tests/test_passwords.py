"""What a password may be, at creation and at log-in; how it is hashed."""

import unicodedata

import pytest
from werkzeug.security import check_password_hash, generate_password_hash

from fieldapp.auth.passwords import common_passwords, password_problem
from fieldapp.config import PASSWORD_HASH_METHOD, load_config
from fieldapp.extensions import db


def test_the_production_hash_is_scrypt_at_owasp_cost(tmp_path):
    assert load_config(tmp_path)["PASSWORD_HASH_METHOD"] == PASSWORD_HASH_METHOD
    name, n, r, p = PASSWORD_HASH_METHOD.split(":")
    assert name == "scrypt" and int(n) >= 2**17 and int(r) >= 8 and int(p) >= 1


def test_the_common_list_is_large_and_loaded_once():
    assert len(common_passwords()) >= 20_000
    assert common_passwords() is common_passwords()


@pytest.mark.parametrize(
    ("password", "refused"),
    [
        ("a" * 11, True),
        ("a good long walk", False),
        (("long walks by the Mã river " * 5)[:128], False),
        ("x" * 129, True),
        (" " * 12, True),  # spaces around a password do not count
        ("   abc   ", True),
        ("aaaaaaaaaaaa", True),  # a few characters repeated
        ("121212121212", True),
        ("123456789012", True),  # a run of keys, forwards or backwards
        ("210987654321", True),
        ("qwertyuiopas", True),
        ("iloveyou2021!", True),  # a common word padded
        ("!!sunshine!!2024", True),
        ("dragondragon", True),  # said twice
        ("quanson-demo-2021", True),  # published in the README
        ("lan.ha.quan.son2021", True),  # the username inside it
        ("mùa lúa Sơn Hà 2021", False),
        # as people type passphrases: spaces between the words, marks or none
        ("matkhau matkhau", True),
        ("anhyeuem anhyeuem", True),
        ("1234 5678 9012", True),
        ("qwerty qwerty", True),
        ("Anh yêu em 2021", True),
        ("Mật khẩu 2021!!", True),
        ("Việt Nam 2021!!", True),
        ("Mùa thu Hà Nội", False),
        ("Quan Sơn quê tôi", False),
        ("QWERTY123456", True),  # common, whatever the case
        ("qwerty123456", True),
        ("Lan.Ha.Quan.Son", True),  # the username
        ("all lower case no digits", False),  # no composition rules
    ],
)
def test_password_rules(app, password, refused):
    assert (password_problem(password, "lan.ha.quan.son") is not None) is refused


def test_a_password_at_the_longest_allowed_can_log_in(client, make_user):
    user = make_user()
    user.set_password("y" * 128)
    db.session.commit()
    from_form = client.post("/login", data={"username": "inspector", "password": "y" * 128})
    assert from_form.status_code == 303
    client.post("/logout")
    too_long = client.post("/login", data={"username": "inspector", "password": "y" * 129})
    assert too_long.status_code == 422
    assert "Dùng tối đa 128 ký tự" in too_long.get_data(as_text=True)


def test_a_passphrase_matches_however_its_marks_were_typed(client, make_user):
    """A keyboard may send "ệ" as one character or as "e" and two marks (NFD)."""
    user = make_user()
    user.set_password(unicodedata.normalize("NFD", "Quê tôi Sơn Hà đẹp"))
    db.session.commit()
    typed = unicodedata.normalize("NFC", "Quê tôi Sơn Hà đẹp")
    logged_in = client.post("/login", data={"username": "inspector", "password": typed})
    assert logged_in.status_code == 303


def test_a_hash_made_of_a_decomposed_password_before_still_matches_and_is_made_again(
    client, make_user
):
    user = make_user()
    decomposed = unicodedata.normalize("NFD", "Sông Mã chảy qua làng tôi")
    user.password_hash = generate_password_hash(decomposed, method="pbkdf2:sha256:1000")
    db.session.commit()
    typed = unicodedata.normalize("NFC", decomposed)
    logged_in = client.post("/login", data={"username": "inspector", "password": typed})
    assert logged_in.status_code == 303
    db.session.refresh(user)
    assert check_password_hash(user.password_hash, typed)  # of the composed form now

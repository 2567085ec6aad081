"""What a password may be, at creation and at log-in; how it is hashed."""

import pytest

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
        ("x" * 128, False),
        ("x" * 129, True),
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

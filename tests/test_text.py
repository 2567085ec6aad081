"""Diacritic-insensitive text folding."""

import unicodedata

import pytest

from fieldapp.text import fold, search_terms


@pytest.mark.parametrize("text", ["Sơn Hà", "SƠN HÀ", "son ha", "  Sơn   Hà "])
def test_forms_of_son_ha_fold_alike(text):
    assert fold(text) == "son ha"


def test_d_with_stroke_folds_to_d():
    assert fold("Đắk Nông, Điện") == "dak nong, dien"


def test_every_vowel_with_every_tone_folds():
    assert (
        fold("àáảãạ ăằắẳẵặ âầấẩẫậ èéẻẽẹ êềếểễệ ìíỉĩị òóỏõọ ôồốổỗộ ơờớởỡợ ùúủũụ ưừứửữự ỳýỷỹỵ")
        == "aaaaa aaaaaa aaaaaa eeeee eeeeee iiiii ooooo oooooo oooooo uuuuu uuuuuu yyyyy"
    )


def test_decomposed_input_folds_like_composed():

    assert fold(unicodedata.normalize("NFD", "Mường Mìn")) == fold("Mường Mìn") == "muong min"


def test_search_terms_drop_like_wildcards_and_punctuation():
    assert search_terms("chợ 100% _son_") == ["cho", "100", "son"]
    assert search_terms("Sơn Hà, (Khu 1)") == ["son", "ha", "khu", "1"]
    assert search_terms("QS-SH-0001") == ["qs-sh-0001"]
    assert search_terms("") == []

import pytest
from django.core.exceptions import ValidationError

from fugong.core.validators import normalize_phone, normalize_region_code, normalize_uscc

VALID = "91350100M000100Y43"  # a published example with a correct GB 32100 check character


def test_it_accepts_a_valid_uscc_and_normalises_case():
    assert normalize_uscc(VALID.lower()) == VALID


@pytest.mark.parametrize(
    "value, reason",
    [
        ("91350100M000100Y44", "校验位"),
        ("91350100M000100Y4", "18位"),
        ("91350100M000100YO3", "不允许的字符"),
        ("91ABCDEFM000100Y43", "行政区划"),
        ("", "18位"),
    ],
)
def test_it_rejects_bad_usccs_naming_the_rule(value, reason):
    with pytest.raises(ValidationError) as exc:
        normalize_uscc(value)
    assert reason in exc.value.messages[0]


def test_every_generated_uscc_passes_and_any_single_change_fails():
    from tests.factories import uscc

    code = uscc()
    assert normalize_uscc(code) == code
    changed = code[:10] + ("1" if code[10] != "1" else "2") + code[11:]
    with pytest.raises(ValidationError):
        normalize_uscc(changed)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("13904330001", "13904330001"),
        ("+86 139 0433 0001", "13904330001"),
        ("0433-2512345", "0433-2512345"),
        ("04332512345", "04332512345"),
        ("010-12345678-123", "010-12345678-123"),
    ],
)
def test_it_accepts_mobile_and_landline_numbers(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", ["12904330001", "1390433000", "139043300011", "2512345", "abc"])
def test_it_rejects_bad_phone_numbers(raw):
    with pytest.raises(ValidationError):
        normalize_phone(raw)


def test_region_codes_accept_6_9_and_12_digits_and_excel_floats():
    assert normalize_region_code("222401") == "222401"
    assert normalize_region_code(222401001.0) == "222401001"
    assert normalize_region_code("222401001000") == "222401001"
    for bad in ("22240", "2224011", "abc123"):
        with pytest.raises(ValidationError):
            normalize_region_code(bad)

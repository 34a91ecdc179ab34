"""Station configuration: defaults, the documented example, and errors that name the key and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import ConfigError, KioskConfig, hash_pin, load_config, parse_config, register_section

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "kiosk.toml"


def error_of(table: dict) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(table)
    return str(info.value)


def test_defaults_are_a_working_configuration() -> None:
    config = parse_config({})
    assert isinstance(config, KioskConfig)
    assert (config.security.afi_secured, config.security.afi_on_loan, config.security.eas) == (
        0x07,
        0xC2,
        True,
    )
    assert config.languages.default == "fr"
    assert config.offline.checkouts_allowed and config.sets.incomplete == "refuse"


def test_documented_example_loads_with_its_values() -> None:
    config = load_config(EXAMPLE)
    assert config.sigb.port == 6001 and config.sigb.terminator == "\r"
    assert config.network.owns("FR-660010102") and not config.network.owns("DE-1")
    assert config.journal.queue == Path("/var/lib/borne/offline-queue.db")
    assert config.offline.block_list_file == EXAMPLE.parent / "blocked-cards.txt"
    assert config.source == EXAMPLE


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"sigb": {"port": "abc"}}, 'sigb.port: expected an integer 1-65535, got "abc"'),
        ({"sigb": {"port": 70000}}, "sigb.port: expected an integer 1-65535, got 70000"),
        ({"sigb": {"prot": 1}}, "sigb.prot: unknown key (known: "),
        ({"sigb": {"terminator": "lf"}}, 'sigb.terminator: expected one of cr, crlf, got "lf"'),
        ({"sigb": {"encoding": "klingon"}}, 'sigb.encoding: unknown text encoding "klingon"'),
        ({"security": {"afi_on_loan": "0x07"}}, "security.afi_on_loan: must differ from afi_secured"),
        ({"security": {"afi_secured": 300}}, "security.afi_secured: expected a byte 0x00-0xFF"),
        ({"security": {"slix2_password": "xyz"}}, 'security.slix2_password: "xyz" does not match'),
        ({"sets": {"incomplete": "maybe"}}, "sets.incomplete: expected one of refuse, accept_with_warning"),
        (
            {"offline": {"card_number_pattern": "(["}},
            "offline.card_number_pattern: not a valid regular expression",
        ),
        ({"network": {"isils": ["nope"]}}, 'network.isils: "nope" does not match'),
        ({"languages": {"default": "de"}}, 'languages.default: "de" is not in languages.available'),
        ({"receipt": {"mode": "print"}}, 'receipt.printer: required when mode = "print"'),
        ({"timeouts": {"inactivity_seconds": True}}, "timeouts.inactivity_seconds: expected a number"),
        ({"card_reader": {"enabled": True}}, "card_reader.port: required when enabled = true"),
        ({"staff": {"pin_hash": "1234"}}, "staff.pin_hash: "),
        ({"sigb": "x"}, 'sigb: expected a table, got "x"'),
        ({"nonsense": {}}, "nonsense: unknown key"),
    ],
)
def test_errors_name_the_key_and_the_problem(table: dict, message: str) -> None:
    assert error_of(table).startswith(message)


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "kiosk.toml"
    bad.write_text("[sigb]\nport = 'abc'\n")
    with pytest.raises(ConfigError, match=r'kiosk.toml: sigb.port: expected an integer 1-65535, got "abc"'):
        load_config(bad)
    bad.write_text("[sigb\n")
    with pytest.raises(ConfigError, match=r"kiosk\.toml: not valid TOML"):
        load_config(bad)
    with pytest.raises(ConfigError, match="cannot read the configuration file"):
        load_config(tmp_path / "missing.toml")


def test_vendor_profile_and_hex_strings() -> None:
    security = parse_config({"security": {"profile": "3m"}}).security
    assert (security.afi_secured, security.afi_on_loan) == (0xD7, 0xDA)
    custom = parse_config(
        {
            "security": {
                "profile": "custom",
                "afi_secured": "9E",
                "afi_on_loan": 0xC2,
                "slix2_password": "0x0F0F0F0F",
            }
        }
    ).security
    assert custom.afi_secured == 0x9E and custom.slix2_password == bytes.fromhex("0F0F0F0F")


def test_staff_pin_is_stored_as_a_hash_only() -> None:
    digest = hash_pin("4321", iterations=1000)
    staff = parse_config({"staff": {"pin_hash": digest}}).staff
    assert "4321" not in digest
    assert staff.verify_pin("4321") and not staff.verify_pin("1234")
    assert not parse_config({}).staff.verify_pin("")


def test_secrets_stay_out_of_repr() -> None:
    sigb = parse_config({"sigb": {"password": "s3cret", "terminal_password": "t3rm"}}).sigb
    assert "s3cret" not in repr(sigb) and "t3rm" not in repr(sigb)
    assert sigb.client_options()["password"] == "s3cret"


def test_offline_policy_card_format_and_block_list(tmp_path: Path) -> None:
    (tmp_path / "blocked.txt").write_text("# lost cards\n20660000000031\n  20660000000049  # stolen\n")
    policy = parse_config(
        {"offline": {"card_number_pattern": "2066[0-9]{10}", "block_list_file": "blocked.txt"}}, tmp_path
    ).offline
    assert policy.card_number_ok("20660000000015") and not policy.card_number_ok("123")
    assert policy.blocked_cards() == {"20660000000031", "20660000000049"}


def test_other_roles_can_add_their_own_section() -> None:
    register_section("encoder_test_only", lambda t: {"copies": t.int("copies", 1, 1, 9)})
    try:
        config = parse_config({"encoder_test_only": {"copies": 3}})
        assert config.extra["encoder_test_only"] == {"copies": 3}
        assert error_of({"encoder_test_only": {"copies": 0}}).startswith(
            "encoder_test_only.copies: expected an integer 1-9, got 0"
        )
    finally:
        from kiosk import config as module

        module.EXTRA_SECTIONS.pop("encoder_test_only")

from __future__ import annotations

from pathlib import Path

import pytest

from gate.config import ConfigError, load_config, parse_config

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = '[policy]\nnetwork_institutions = ["FR-*"]\n'


def test_example_config_loads_and_uses_every_section() -> None:
    config = load_config(ROOT / "docs" / "examples" / "gate.toml")
    assert config.mode == "afi"
    assert config.poll_interval_s == pytest.approx(0.05)
    assert config.readers and config.outputs
    assert {o.role for o in config.outputs} == {"light", "buzzer", "relay"}
    assert config.sip2 is not None and config.counter.driver == "simulated"


def test_defaults() -> None:
    config = parse_config(MINIMAL)
    assert (config.mode, config.debounce_s, config.passage_gap_s) == ("afi", 10.0, 1.5)
    assert config.security_profile.afi_secured == 0x07 and config.security_profile.afi_on_loan == 0xC2
    assert config.policy.ignore_patron_cards and config.policy.alarm_unidentified
    assert config.log.retention_days == 365


def test_3m_profile_changes_the_secured_afi() -> None:
    config = parse_config('[gate]\nsecurity_profile = "3m"\n' + MINIMAL)
    assert config.security_profile.afi_secured == 0xD7


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[gate]\nmode = "rfid"\n', "gate.mode = 'rfid': must be one of 'afi', 'eas', 'database'"),
        ("[gate]\npoll_interval_ms = 1\n", "gate.poll_interval_ms = 1: must be between 5 and 5000"),
        ('[gate]\ndebounce_s = "10"\n', "gate.debounce_s = '10': must be a number"),
        ("[gate]\ndebounce = 10\n", "gate.debounce is not a known key"),
        ('[[reader]]\nport = "/dev/ttyUSB0"\n', "reader[1].driver is missing"),
        ('[[reader]]\ndriver = "feig"\nport = "x"\nantennas = [0]\n', "reader[1].antennas = [0]"),
        ('[[output]]\nrole = "light"\ndriver = "serial-relay"\n', "output[1].port is missing"),
        ('[[output]]\nrole = "siren"\ndriver = "simulated"\n', "output[1].role = 'siren'"),
        ('[gate]\nmode = "database"\n', 'sip2 is missing: mode = "database" needs a [sip2] table'),
        ("[policy]\nignore_patron_cards = 1\n", "policy.ignore_patron_cards = 1: must be true or false"),
        ('[sip2]\nhost = "sigb"\n', "sip2.port is missing"),
        ("[log]\nretention_days = 0\n", "log.retention_days = 0: must be between 1 and 36500"),
        (
            '[[output]]\nname = "x"\nrole = "light"\ndriver = "simulated"\n'
            '[[output]]\nname = "x"\nrole = "buzzer"\ndriver = "simulated"\n',
            "output[2].name = 'x': names must be unique",
        ),
        ("gate = 3\n", "gate = 3: must be a table [gate]"),
        ("[gate\n", "not valid TOML"),
    ],
)
def test_errors_name_the_key(text: str, message: str) -> None:
    source = text if "network_institutions" in text or "policy" in text else text + MINIMAL
    with pytest.raises(ConfigError) as info:
        parse_config(source, source="gate.toml")
    assert str(info.value).startswith("gate.toml: ")
    assert message in str(info.value)


def test_empty_network_with_ignore_foreign_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"policy.network_institutions is empty"):
        parse_config("")
    assert parse_config("[policy]\nignore_foreign = false\n").policy.network_institutions == ()


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read gate configuration"):
        load_config(tmp_path / "nope.toml")

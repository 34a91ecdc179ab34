"""``borne tag decode`` / ``borne tag encode``: exit codes and exact output through the real dispatcher."""

from __future__ import annotations

import io
import json

import pytest

from kiosk import cli

# GB/T 35660.2 example as published in DigitalPlatform/dp2 UnitTestRFID/TestChip.cs.
GB_HEX = ("91 00 05 1c be 99 1a 14 02 01 d0 14 02 04 b3 46 07 44 1c b6"
          " e2 e3 35 d6 83 02 07 ac c0 9e ba a0 6f 6b 00 00")


@pytest.fixture(autouse=True)
def only_tag_command(monkeypatch: pytest.MonkeyPatch) -> None:
    """Build ``borne`` with the tag command alone, so other packages' commands cannot interfere."""
    monkeypatch.setattr(cli, "COMMAND_MODULES", ("iso28560.cli",))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_decode_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "tag", "decode", GB_HEX)
    assert (code, err) == (0, "")
    assert out == (
        "Format: iso28560-2\n"
        "  primary_item_identifier  123456789012\n"
        "  content_parameter        3, 4, 6\n"
        "  set_information          1203 (part 3 of 12)\n"
        "  shelf_location           QA268.L55\n"
        "  owner_institution        US-InU-Mu\n"
    )


def test_decode_json_from_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    danish = "11010131 31323233 33343400 00000000 00000051 3e444537 30350000 00000000"
    monkeypatch.setattr("sys.stdin", io.StringIO(danish.replace(" ", "\n")))
    code, out, _ = run(capsys, "tag", "decode", "--json", "-")
    assert code == 0
    result = json.loads(out)
    assert {k: result[k] for k in ("format", "primary_item_identifier", "owner_institution", "parts_in_item",
                                   "part_number", "type_of_usage", "crc_ok", "warnings")} == {
        "format": "iso28560-3", "primary_item_identifier": "11223344", "owner_institution": "DE-705",
        "parts_in_item": 1, "part_number": 1, "type_of_usage": 16, "crc_ok": True, "warnings": [],
    }
    assert result["elements"]["version"] == 1


def test_decode_json_part2_has_null_crc_and_lists(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "tag", "decode", "--json", *GB_HEX.split())
    result = json.loads(out)
    assert code == 0 and result["crc_ok"] is None
    assert result["elements"]["content_parameter"] == [3, 4, 6]


def test_decode_unknown_and_blank_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "tag", "decode", "48656c6c6f")
    assert code == 1
    assert out.startswith("Format: unknown\nReason: not a known library data model")
    code, out, _ = run(capsys, "tag", "decode", "00000000 00000000")
    assert (code, out) == (0, "Format: blank\nReason: every byte is 0x00\n")


def test_decode_bad_hex_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "tag", "decode", "91 0g")
    assert (code, out) == (1, "")
    assert err == "Error: not hexadecimal: 'g' at position 3; e.g. '91 00 05 1c'\n"
    code, _, err = run(capsys, "tag", "decode", "910")
    assert code == 1 and "odd number of hex digits" in err


def test_encode_prints_blocks_and_round_trips(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "tag", "encode", "--pii", "123456789012", "--owner", "US-InU-Mu",
                       "--set", "3/12", "--shelf", "QA268.L55", "--lock", "pii,owner", "--memory", "36")
    assert code == 0
    assert out == "9100051c be991a14 0201d014 0204b346 07441cb6 e2e335d6 830207ac c09ebaa0 6f6b0000\n"
    code, decoded, _ = run(capsys, "tag", "decode", out)
    assert code == 0 and "US-InU-Mu" in decoded


def test_encode_explain(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "tag", "encode", "--pii", "1234567890123", "--owner", "FR-751131010",
                       "--usage", "10", "--lock", "pii", "--explain")
    assert code == 0
    lines = out.splitlines()
    assert lines[1] == "iso28560-2, DSFID 0x06: 24 of 112 bytes (6 blocks of 4)"
    assert lines[4] == "    0  11 06 01 1f  lock    primary_item_identifier"
    assert lines[5] == "    1  71 fb 04 cb  lock    primary_item_identifier"
    assert "  owner_institution                 11-19     ISIL" in lines
    assert lines[9] == "    5  05 01 10 00          type_of_usage"
    assert lines[-1] == "Lock blocks: 0, 1 (never lock the AFI: it carries the security state)"


def test_encode_part3(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "tag", "encode", "--format", "iso28560-3", "--pii", "11223344",
                       "--owner", "DE-705", "--usage", "11")
    assert code == 0
    assert out.split()[:5] == ["11010131", "31323233", "33343400", "00000000", "00000051"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--pii", "12 34"], "Error: primary_item_identifier: '12 34' contains ' ' at position 2"),
        (["--pii", "1", "--owner", "FR"], "Error: owner_institution: ISIL 'FR' has no hyphen"),
        (["--pii", "1", "--set", "0/0"], "Error: set_information: part 0 of 0"),
        (["--pii", "1", "--set", "two"], "Error: --set 'two': give PART/TOTAL"),
        (["--pii", "1", "--title", "x" * 200], "Error: title: the data needs"),
        (["--pii", "1", "--memory", "big"], "Error: memory: unknown tag type 'big'"),
        (["--pii", "1", "--lock", "afi"], "Error: lock: unknown element 'afi'"),
    ],
)
def test_encode_errors(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    code, out, err = run(capsys, "tag", "encode", *argv)
    assert (code, out) == (1, "")
    assert err.startswith(message) and err.count("\n") == 1


def test_bad_usage_is_an_argparse_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(["tag", "encode", "--pii", "1", "--usage", "1ff"])
    assert info.value.code == 2
    assert "does not fit in one byte" in capsys.readouterr().err


def test_tag_without_action_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "tag")
    assert code == 2 and "decode" in out and "encode" in out

"""The simulated SIGB over real TCP: hand-written frames with independently computed checksums,
the sip2 codec as a client, every quirk profile, every fault, TLS."""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import threading
import time
import unicodedata

import pytest
from sigb_helpers import NOW, clock
from sigb_wire import LOGIN, Wire, checksum, fields, frame, valid_checksum

from simulators.sigb import SimulatedSIGB, load_sample_dataset
from simulators.sigb import messages as msg
from sip2 import codec
from sip2.messages import (
    CheckinRequest,
    CheckinResponse,
    CheckoutRequest,
    CheckoutResponse,
    EndPatronSessionRequest,
    FeePaidRequest,
    ItemInformationRequest,
    LoginRequest,
    Message,
    PatronInformationRequest,
    PatronStatusRequest,
    RenewAllRequest,
    RenewRequest,
    SCStatus,
)

DATASET = load_sample_dataset()
SC = DATASET.scenarios
DATE = "20250312    103000"  # NOW in SIP format
BLANK = " " * 18
CHECKOUT = f"11NN{DATE}{BLANK}AORESEAU|AA{SC['patron_no_loans']}|AB{SC['item_available']}|AC|"


@pytest.fixture
def sim():
    with SimulatedSIGB(DATASET, clock=clock) as server:
        yield server


def started(profile: str = "default", **kwargs) -> SimulatedSIGB:
    return SimulatedSIGB(DATASET, profile=profile, clock=clock, **kwargs).start()


def logged_in(sim: SimulatedSIGB, **kwargs) -> Wire:
    wire = Wire(sim.address, **kwargs)
    assert wire.ask(frame(LOGIN, 0)).startswith(b"941")
    return wire


class CodecPeer:
    """The client side built from the sip2 codec (encode + FrameReader), over a plain socket."""

    def __init__(self, address, *, encoding="utf-8", terminator="\r", error_detection=True):
        self.sock = socket.create_connection(address, timeout=3)
        self.reader = codec.FrameReader(encoding)
        self.encoding, self.terminator, self.error_detection = encoding, terminator, error_detection
        self.seq = 0

    def ask(self, request: Message) -> Message:
        self.seq = (self.seq + 1) % 10
        self.sock.sendall(codec.encode(request, sequence=self.seq, encoding=self.encoding,
                                       terminator=self.terminator, error_detection=self.error_detection))
        while True:
            messages = list(self.reader.feed(self.sock.recv(65536)))
            if messages:
                [response] = messages
                assert response.sequence == (self.seq if self.error_detection else None)
                return response

    def login(self) -> None:
        assert self.ask(LoginRequest(login_user_id="borne", login_password="borne",
                                     location_code="PERPIGNAN")).ok

    def close(self) -> None:
        self.sock.close()


# -- the checksum helper of these tests, against the published worked examples ------------------------


def test_test_checksum_matches_the_sip2_reference_examples():
    assert checksum(b"941AY1AZ") == "FDFC"
    reference = b"09N20160419    12200820160419    122008APReading Room 1|AO830|AB830$28170815|AC|AY2AZ"
    assert checksum(reference) == "EB80"
    assert checksum("Hélène".encode("cp850")) == "FD6D"
    assert checksum(unicodedata.normalize("NFD", "Hélène").encode()) == "FB16"


# -- hand-written frames ------------------------------------------------------------------------------


def test_login_answers_exact_bytes(sim):
    with Wire(sim.address) as wire:
        assert wire.ask(frame("9300CNborne|COwrong|CPPERPIGNAN|", 1)) == b"940AY1AZFDFD\r"
        assert wire.ask(frame(LOGIN, 1)) == b"941AY1AZFDFC\r"


def test_only_login_status_and_resend_are_answered_before_login(sim):
    with Wire(sim.address) as wire:
        wire.send(frame(f"11NN{DATE}{BLANK}AORESEAU|AA{SC['patron_ok']}|AB{SC['item_available']}|AC|", 3))
        assert wire.silent(0.3)
        assert wire.ask(frame("9900802.00", 4)).startswith(b"98YYYYNY")
    assert sim.library.items[SC["item_available"]].checked_out_to is None


def test_sc_status_reports_offline_ok_and_supported_messages(sim):
    with logged_in(sim) as wire:
        response = wire.ask(frame("9900802.00", 5))
    assert valid_checksum(response) and response.endswith(b"\r")
    assert response.startswith(f"98YYYYNY100003{DATE}2.00".encode())
    f = fields(response)
    assert f["AO"] == ["RESEAU"] and f["AN"] == ["PERPIGNAN"]
    assert f["BX"] == ["YYYNYYYYYYYNNNYY"]  # 23 11 09 (01 no) 99 97 93 63 35 37 17 (19 25 15 no) 29 65
    assert f["AM"] == ["Réseau des médiathèques de l'agglomération (jeu d'essai Borne)"]
    assert response.endswith(b"|AY5AZ" + checksum(response[:-5]).encode() + b"\r")


def test_checkout_by_hand_gives_exact_bytes_and_lends_the_item(sim):
    patron, item = SC["patron_no_loans"], SC["item_available"]
    with logged_in(sim) as wire:
        response = wire.ask(frame(f"11NN{DATE}{BLANK}AORESEAU|AA{patron}|AB{item}|AC|", 2))
    body = (f"121NNY{DATE}AORESEAU|AA{patron}|AB{item}|AJLa Peste|AH20250409    235900|CK001|"
            f"AFPrêt enregistré. À rendre le 09/04/2025.|AY2AZ").encode()
    assert response == body + checksum(body).encode() + b"\r"
    assert sim.library.items[item].checked_out_to == patron
    [tx] = sim.transactions
    assert (tx.kind, tx.patron_id, tx.item_id, tx.branch) == ("checkout", patron, item, "PERPIGNAN")


def test_refused_checkout_is_120_with_a_french_screen_message(sim):
    with logged_in(sim) as wire:
        response = wire.ask(frame(f"11NN{DATE}{BLANK}AORESEAU|AA{SC['patron_card_lost']}|"
                                  f"AB{SC['item_available']}|AC|", 3))
    assert response.startswith(f"120NNN{DATE}".encode())
    f = fields(response)
    assert f["AH"] == [""] and f["AF"] == [msg.CARD_LOST]
    assert sim.transactions == []


def test_checkin_elsewhere_by_hand_carries_transit_extensions(sim):
    item = SC["item_on_loan_from_canet"]
    with logged_in(sim) as wire:
        response = wire.ask(frame(f"09N{DATE}{DATE}APPERPIGNAN|AORESEAU|AB{item}|AC|", 7))
    assert response.startswith(f"101YNY{DATE}".encode()) and valid_checksum(response)
    f = fields(response)
    assert (f["CV"], f["CT"], f["CL"], f["AQ"]) == (["04"], ["CANET"], ["3"], ["CANET"])
    assert f["AA"] == [SC["patron_ok"]] and f["AF"][-1] == "À renvoyer à Médiathèque de Canet-en-Roussillon."
    assert sim.library.items[item].in_transit_to == "CANET"


def test_checkin_of_a_held_item_names_the_hold_patron(sim):
    with logged_in(sim) as wire:
        item = SC["item_on_loan_hold_elsewhere"]
        response = wire.ask(frame(f"09N{DATE}{BLANK}APPERPIGNAN|AORESEAU|AB{item}|AC|", 8))
    f = fields(response)
    assert (f["CV"], f["CT"], f["CY"], f["DA"]) == (["02"], ["RIVESALTES"], [SC["patron_hold_elsewhere"]],
                                                   ["Mélanie Périer"])


def test_offline_checkout_by_hand_keeps_its_original_date(sim):
    then = "20250310    164500"
    with logged_in(sim) as wire:
        response = wire.ask(frame(f"11NY{then}{BLANK}AORESEAU|AA{SC['patron_card_lost']}|"
                                  f"AB{SC['item_available']}|AC|", 1))
    assert response.startswith(b"121")
    assert fields(response)["AH"] == ["20250407    235900"]  # 28 days from the original date
    tx = sim.transactions[-1]
    assert tx.offline and tx.when == dt.datetime(2025, 3, 10, 16, 45) and tx.recorded_at == NOW


def test_response_has_no_trailer_when_the_request_had_none(sim):
    with Wire(sim.address) as wire:
        assert wire.ask(frame(LOGIN, None)) == b"941\r"
        response = wire.ask(frame(f"17{DATE}AORESEAU|AB{SC['item_on_loan']}|", None))
    assert b"AY" not in response and b"AZ" not in response
    assert response.startswith(f"18040201{DATE}".encode())


def test_bad_checksum_gets_96_then_the_good_frame_is_served(sim):
    with logged_in(sim) as wire:
        good = frame("9900802.00", 2)
        bad = good[:-5] + (b"0000" if good[-5:-1] != b"0000" else b"1111") + b"\r"
        assert wire.ask(bad) == b"96AZFEF6\r"
        assert wire.ask(good).startswith(b"98")


def test_garbage_gets_96_and_the_session_continues(sim):
    with logged_in(sim) as wire:
        assert wire.ask(b"hello world\r") == b"96AZFEF6\r"
        assert wire.ask(frame("9900802.00", 3)).startswith(b"98")


def test_97_resends_the_last_response_byte_for_byte(sim):
    with logged_in(sim) as wire:
        first = wire.ask(frame(f"17{DATE}AORESEAU|AB{SC['item_on_loan']}|", 4))
        assert wire.ask(b"97AZFEF5\r") == first


def test_frames_split_byte_by_byte_and_glued_together(sim):
    with logged_in(sim) as wire:
        for byte in frame("9900802.00", 6):
            wire.send(bytes([byte]))
            time.sleep(0.0005)
        assert wire.receive().startswith(b"98")
        wire.send(frame("9900802.00", 7) + frame(f"17{DATE}AORESEAU|AB{SC['item_lost']}|", 8))
        assert wire.receive().startswith(b"98")
        assert wire.receive().startswith(f"18120201{DATE}".encode())


def test_unsupported_messages_get_no_reply(sim):
    with logged_in(sim) as wire:
        wire.send(frame(f"01N{DATE}AORESEAU|ALcarte volée|AA{SC['patron_ok']}|AC|", 1))
        assert wire.silent(0.3)
        assert wire.ask(frame("9900802.00", 2)).startswith(b"98")


def test_item_information_by_hand(sim):
    with logged_in(sim) as wire:
        response = wire.ask(frame(f"17{DATE}AORESEAU|AB{SC['item_waiting_on_hold_shelf']}|AC|", 9))
    assert response.startswith(f"18080201{DATE}".encode())
    f = fields(response)
    assert f["CF"] == ["1"] and f["AJ"] == ["L'Amant"] and f["AQ"] == ["PERPIGNAN"]


# -- through the codec -----------------------------------------------------------------------------------


@pytest.fixture
def peer(sim):
    client = CodecPeer(sim.address)
    client.login()
    yield client
    client.close()


def test_patron_information_with_each_summary(peer):
    base = dict(institution_id="RESEAU", patron_id=SC["patron_ok"], patron_password="1234",
                transaction_date=NOW)
    info = peer.ask(PatronInformationRequest(**base, summary="charged_items"))
    assert info.valid_patron and info.valid_pin and info.personal_name == "Hélène Dupré"
    assert info.charged_items_count == 4 and len(info.charged_items) == 4 and info.home_library == "PERPIGNAN"
    assert info.currency_type == "EUR" and info.fee_amount == "0.00" and info.charged_items_limit == 15
    assert not info.status.set_flags and info.screen_messages == ("Bonjour Hélène.",)
    window = peer.ask(PatronInformationRequest(**base, summary="charged_items", start_item=2, end_item=3))
    assert window.charged_items == info.charged_items[1:3]
    holds = peer.ask(PatronInformationRequest(institution_id="RESEAU", patron_id=SC["patron_hold"],
                                              summary="hold_items"))
    assert holds.hold_items == (SC["item_waiting_on_hold_shelf"],) and holds.unavailable_holds_count == 1
    overdue = peer.ask(PatronInformationRequest(institution_id="RESEAU", patron_id=SC["patron_overdue"],
                                                summary="overdue_items"))
    assert overdue.overdue_items_count == 3 and len(overdue.overdue_items) == 3
    assert overdue.status.charge_privileges_denied and overdue.status.too_many_items_overdue
    assert peer.ask(PatronInformationRequest(institution_id="RESEAU", patron_id=SC["patron_ok"],
                                             patron_password="0000")).valid_pin is False
    unknown = peer.ask(PatronInformationRequest(institution_id="RESEAU", patron_id="999"))
    assert unknown.valid_patron is False and not unknown.ok
    assert unknown.screen_messages == (msg.UNKNOWN_PATRON,)


def test_patron_status(peer):
    status = peer.ask(PatronStatusRequest(institution_id="RESEAU", patron_id=SC["patron_fines"],
                                          transaction_date=NOW))
    assert status.valid_patron and status.fee_amount == "12.40"
    assert status.status.excessive_outstanding_fines and status.status.charge_privileges_denied
    assert "12,40 €" in status.screen_messages[1]


def test_full_circulation_round_through_the_codec(sim, peer):
    patron, item = SC["patron_no_loans"], SC["item_available"]
    out = peer.ask(CheckoutRequest(institution_id="RESEAU", patron_id=patron, item_id=item,
                                   transaction_date=NOW))
    assert isinstance(out, CheckoutResponse) and out.ok and out.desensitize
    assert out.due_date == dt.datetime(2025, 4, 9, 23, 59)
    info = peer.ask(ItemInformationRequest(institution_id="RESEAU", item_id=item, transaction_date=NOW))
    assert info.circulation_status == 4 and info.patron_id == patron and info.due_date == out.due_date
    renewed = peer.ask(RenewRequest(institution_id="RESEAU", patron_id=patron, item_id=item))
    assert renewed.ok and renewed.renewal_ok
    again = peer.ask(RenewAllRequest(institution_id="RESEAU", patron_id=patron))
    assert again.ok and again.renewed_count == 1 and again.renewed_items == (item,)
    back = peer.ask(CheckinRequest(institution_id="RESEAU", item_id=item, current_location="PERPIGNAN",
                                   transaction_date=NOW))
    assert isinstance(back, CheckinResponse) and back.ok and back.resensitize and not back.alert
    assert back.sort_bin == "1" and back.permanent_location == "PERPIGNAN"
    ended = peer.ask(EndPatronSessionRequest(institution_id="RESEAU", patron_id=patron))
    assert ended.ok and ended.screen_messages == (msg.GOODBYE,)
    assert [t.kind for t in sim.transactions] == ["checkout", "renew", "renew", "checkin"]


def test_renew_all_reports_unrenewed_items(peer):
    result = peer.ask(RenewAllRequest(institution_id="RESEAU", patron_id=SC["patron_ok"]))
    assert result.ok and result.renewed_count == 2 and result.unrenewed_count == 2
    assert set(result.unrenewed_items) == {SC["item_max_renewals"], SC["item_on_loan_hold_here"]}


def test_fee_paid(sim, peer):
    paid = peer.ask(FeePaidRequest(institution_id="RESEAU", patron_id=SC["patron_small_fine"],
                                   fee_amount="2,50", transaction_date=NOW))
    assert paid.ok and paid.transaction_id == "PAY000001"
    assert paid.screen_messages == ("Paiement de 2,50 € enregistré. Reste dû : 0,00 €.",)
    garbled = peer.ask(FeePaidRequest(institution_id="RESEAU", patron_id=SC["patron_small_fine"],
                                      fee_amount="deux euros"))
    assert not garbled.ok and "illisible" in garbled.screen_messages[0]
    assert sim.transactions[-1].kind == "fee_paid"


def test_two_connections_share_the_library(sim):
    first, second = CodecPeer(sim.address), CodecPeer(sim.address)
    try:
        first.login()
        second.login()
        assert first.ask(CheckoutRequest(patron_id=SC["patron_no_loans"], item_id=SC["item_available"])).ok
        refused = second.ask(CheckoutRequest(patron_id=SC["patron_ok"], item_id=SC["item_available"]))
        assert not refused.ok and refused.screen_messages == (msg.ON_LOAN_TO_OTHER,)
        assert sim.open_connections == 2
    finally:
        first.close()
        second.close()


# -- quirk profiles -----------------------------------------------------------------------------------


def test_koha_profile_uses_crlf_and_iso_due_dates():
    with started("koha") as sim, Wire(sim.address, terminator=b"\r\n") as wire:
        assert wire.ask(frame(LOGIN, 0, terminator="\r\n")) == b"941AY0AZFDFD\r\n"
        response = wire.ask(frame(f"11NN{DATE}{BLANK}AORESEAU|AA{SC['patron_no_loans']}|"
                                  f"AB{SC['item_available']}|AC|", 1, terminator="\r\n"))
        assert response.endswith(b"\r\n") and valid_checksum(response)
        assert fields(response)["AH"] == ["2025-04-09 23:59:00"]
        peer = CodecPeer(sim.address, terminator="\r\n")
        peer.login()
        assert peer.reader.terminator == "\r\n"
        peer.close()


def test_cp850_profile_writes_cp850_and_transliterates():
    with started("cp850") as sim, logged_in(sim) as wire:
        response = wire.ask(frame(f"63002{DATE}          AORESEAU|AA{SC['patron_nfd_name']}|", 1))
        assert valid_checksum(response)
        assert "AEJosué Coeurdevey|".encode("cp850") in response
        item = wire.ask(frame(f"17{DATE}AORESEAU|AB{SC['item_accented_title']}|", 2))
        assert b"|AJLe Coeur cousu|" in item
        fines = wire.ask(frame(f"63002{DATE}          AORESEAU|AA{SC['patron_fines']}|", 3))
        assert "12,40 EUR de pénalités".encode("cp850") in fines
        with pytest.raises(UnicodeDecodeError):
            fines.decode("utf-8")
        peer = CodecPeer(sim.address, encoding="cp850")
        peer.login()
        info = peer.ask(PatronInformationRequest(patron_id=SC["patron_ok"]))
        assert info.personal_name == "Hélène Dupré"
        peer.close()


def test_cp850_profile_reads_cp850_requests():
    with started("cp850") as sim, logged_in(sim) as wire:
        response = wire.ask(frame(f"09N{DATE}{BLANK}APMédiathèque|AORESEAU|AB{SC['item_on_loan']}|AC|", 4,
                                  encoding="cp850"))
    assert response.startswith(b"101")  # decoded, served; an unknown location falls back to the session's


def test_nfd_profile_sends_decomposed_accents():
    with started("nfd") as sim, logged_in(sim) as wire:
        response = wire.ask(frame(f"63002{DATE}          AORESEAU|AA{SC['patron_ok']}|", 1))
        assert valid_checksum(response)
        assert unicodedata.normalize("NFD", "AEHélène Dupré|").encode() in response
        assert "Hélène".encode() not in response
        peer = CodecPeer(sim.address)
        peer.login()
        assert peer.ask(PatronInformationRequest(patron_id=SC["patron_ok"])).personal_name == "Hélène Dupré"
        peer.close()


def test_strict_profile_closes_on_malformed_frames():
    with started("strict") as sim:
        with logged_in(sim) as wire:
            wire.send(b"hello world\r")
            assert wire.closed_by_peer()
        with logged_in(sim) as wire:
            good = frame("9900802.00", 2)
            wire.send(good[:-5] + b"0000\r" if good[-5:-1] != b"0000" else good[:-5] + b"1111\r")
            assert wire.closed_by_peer()
        with Wire(sim.address) as wire:
            wire.send(frame(f"17{DATE}AORESEAU|AB{SC['item_lost']}|", 1))  # before login
            assert wire.closed_by_peer()
        with logged_in(sim) as wire:
            assert wire.ask(frame("9900802.00", 3)).startswith(b"98")


def test_no_error_detection_profile_never_sends_a_trailer_and_ignores_checksums():
    with started("no-error-detection") as sim, Wire(sim.address) as wire:
        assert wire.ask(frame(LOGIN, 0)) == b"941\r"
        wrong = frame("9900802.00", 1)[:-5] + b"ABCD\r"
        response = wire.ask(wrong)
        assert response.startswith(b"98") and b"AY" not in response
        peer = CodecPeer(sim.address, error_detection=False)
        peer.login()
        assert peer.ask(SCStatus()).offline_ok
        peer.close()


def test_unknown_profile_is_refused_with_the_list():
    with pytest.raises(Exception, match="unknown SIGB profile 'evergreen'; choose one of: default, koha"):
        SimulatedSIGB(DATASET, profile="evergreen")


# -- faults -----------------------------------------------------------------------------------------


def test_latency(sim):
    sim.faults.latency = 0.25
    with logged_in(sim) as wire:
        started_at = time.monotonic()
        wire.ask(frame("9900802.00", 1))
        assert time.monotonic() - started_at >= 0.25


def test_stall_applies_the_request_but_never_answers(sim):
    sim.faults.stall = True
    sim.faults.stall_commands = {"11"}
    with logged_in(sim) as wire:
        assert wire.ask(frame(f"17{DATE}AORESEAU|AB{SC['item_available']}|", 1)).startswith(b"18")
        wire.send(frame(CHECKOUT, 2))
        assert wire.silent(0.4)
    assert sim.library.items[SC["item_available"]].checked_out_to == SC["patron_no_loans"]


def test_stall_without_applying(sim):
    sim.faults.stall = True
    sim.faults.apply_unanswered = False
    with Wire(sim.address) as wire:
        wire.send(frame(LOGIN, 0))
        assert wire.silent(0.3)
        sim.faults.stall = False  # read for every request
        assert wire.ask(frame(LOGIN, 1)) == b"941AY1AZFDFC\r"
        assert wire.ask(frame(CHECKOUT, 2)).startswith(b"121")


def test_drop_after_n_messages(sim):
    sim.faults.drop_after = 2
    with Wire(sim.address) as wire:
        assert wire.ask(frame(LOGIN, 0)).startswith(b"941")
        assert wire.ask(frame("9900802.00", 1)).startswith(b"98")
        wire.send(frame(CHECKOUT, 2))
        assert wire.closed_by_peer()
    assert sim.library.items[SC["item_available"]].checked_out_to == SC["patron_no_loans"]  # applied
    with logged_in(sim) as wire:  # a new connection gets its own count
        assert wire.ask(frame("9900802.00", 1)).startswith(b"98")


def test_corrupt_checksum_then_97_gets_the_correct_copy(sim):
    with logged_in(sim) as wire:
        sim.faults.corrupt_checksum = 1
        corrupted = wire.ask(frame(f"17{DATE}AORESEAU|AB{SC['item_on_loan']}|", 3))
        assert not valid_checksum(corrupted)
        resent = wire.ask(b"97AZFEF5\r")
        assert valid_checksum(resent) and resent[:-6] == corrupted[:-6]
        assert valid_checksum(wire.ask(frame("9900802.00", 4)))
        peer = CodecPeer(sim.address)
        peer.login()
        sim.faults.corrupt_checksum = 1
        with pytest.raises(codec.ChecksumError if hasattr(codec, "ChecksumError") else Exception):
            peer.ask(SCStatus())
        peer.close()


def test_reject_login(sim):
    sim.faults.reject_login = True
    with Wire(sim.address) as wire:
        assert wire.ask(frame(LOGIN, 0)) == b"940AY0AZFDFE\r"
        wire.send(frame(f"17{DATE}AORESEAU|AB{SC['item_on_loan']}|", 1))
        assert wire.silent(0.2)


def test_circulation_offline_status(sim):
    sim.faults.circulation_offline = True
    with logged_in(sim) as wire:
        assert wire.ask(frame("9900802.00", 1)).startswith(b"98NNNNNY")


def test_go_down_and_come_back_on_the_same_port(sim):
    host, port = sim.address
    wire = logged_in(sim)
    sim.faults.down = True
    assert wire.closed_by_peer()
    wire.close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((host, port), timeout=1)
    sim.faults.down = False
    assert sim.address == (host, port)
    with logged_in(sim) as wire:
        assert wire.ask(frame("9900802.00", 1)).startswith(b"98")
    sim.go_down(for_seconds=0.3)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((host, port), timeout=1)
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), timeout=1).close()
            break
        except ConnectionRefusedError:
            time.sleep(0.05)
    else:
        pytest.fail("the SIGB did not come back")


def test_faults_reset(sim):
    sim.faults.latency, sim.faults.stall, sim.faults.reject_login = 1.0, True, True
    sim.faults.reset()
    with logged_in(sim) as wire:
        assert wire.ask(frame("9900802.00", 1)).startswith(b"98")


# -- TLS ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    """A CA and a server certificate for localhost/127.0.0.1, generated for the test."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(name("Borne test CA")).issuer_name(name("Borne test CA"))
          .public_key(ca_key.public_key()).serial_number(1).not_valid_before(now - dt.timedelta(hours=1))
          .not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(name("localhost")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(2).not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .sign(ca_key, hashes.SHA256()))
    folder = tmp_path_factory.mktemp("tls")
    paths = {"ca": folder / "ca.pem", "cert": folder / "server.pem", "key": folder / "server.key"}
    paths["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths["cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths["key"].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    return paths


def server_context(certificates) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificates["cert"], certificates["key"])
    return context


def test_tls_session_with_a_verified_certificate(certificates):
    client = ssl.create_default_context(cafile=str(certificates["ca"]))
    with started(tls_context=server_context(certificates)) as sim, \
            Wire(sim.address, tls=client) as wire:
        assert wire.ask(frame(LOGIN, 0)) == b"941AY0AZFDFD\r"
        response = wire.ask(frame(f"11NN{DATE}{BLANK}AORESEAU|AA{SC['patron_no_loans']}|"
                                  f"AB{SC['item_available']}|AC|", 1))
        assert response.startswith(b"121") and valid_checksum(response)
        assert wire.sock.version() in ("TLSv1.2", "TLSv1.3")


def test_tls_client_that_does_not_trust_the_server_fails_and_the_server_survives(certificates):
    with started(tls_context=server_context(certificates)) as sim:
        with pytest.raises(ssl.SSLCertVerificationError):
            Wire(sim.address, tls=ssl.create_default_context())
        with pytest.raises((ConnectionError, EOFError, ssl.SSLError, OSError)), Wire(sim.address) as plain:
            plain.ask(frame(LOGIN, 0), timeout=2)  # plain text to a TLS server
        client = ssl.create_default_context(cafile=str(certificates["ca"]))
        with Wire(sim.address, tls=client) as wire:
            assert wire.ask(frame(LOGIN, 0)).startswith(b"941")


def test_stop_closes_everything(certificates):
    sim = started()
    wire = logged_in(sim)
    sim.stop()
    assert wire.closed_by_peer()
    wire.close()
    assert sim.open_connections == 0
    assert not any(t.name.startswith(f"sigb-accept-{sim.address[1]}") for t in threading.enumerate())


# -- robustness ---------------------------------------------------------------------------------------


def test_mutated_and_random_frames_never_break_the_server(sim):
    """3,000 mutated frames on one connection: the session keeps answering, and the transaction log
    still explains the state (only well-formed requests are applied)."""
    import random

    rng = random.Random(20250312)
    seeds = [frame(LOGIN, 0), frame("9900802.00", 1), frame(CHECKOUT, 2),
             frame(f"09N{DATE}{DATE}APCANET|AORESEAU|AB{SC['item_on_loan']}|AC|", 3),
             frame(f"63002{DATE}Y         AORESEAU|AA{SC['patron_ok']}|BP1|BQ99999|", 4),
             frame(f"37{DATE}0100EURBV1e9|AORESEAU|AA{SC['patron_fines']}|", 5), b"97AZFEF5\r"]
    with logged_in(sim) as wire:
        for _ in range(3000):
            data = bytearray(rng.choice(seeds))
            for _ in range(rng.randint(1, 4)):
                position = rng.randrange(len(data) or 1)
                action = rng.random()
                if action < 0.5 and data:
                    data[position] = rng.randrange(256)
                elif action < 0.75:
                    del data[position:position + rng.randint(1, 8)]
                else:
                    data[position:position] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
            wire.send(bytes(data) + b"\r")
        wire.send(frame(f"17{DATE}AORESEAU|AB{SC['item_lost']}|", 9))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            response = wire.receive(timeout=20)
            if response.startswith(b"18") and SC["item_lost"].encode() in response and b"AY9AZ" in response:
                break
        else:
            pytest.fail("no answer after the fuzz")
    assert sim.open_connections <= 1
    for barcode, item in sim.library.items.items():
        last = [t for t in sim.transactions if t.item_id == barcode and t.kind in ("checkout", "checkin")]
        if last:
            assert item.checked_out_to == (last[-1].patron_id if last[-1].kind == "checkout" else None)

"""Fully populated sample messages of every type (shared by the codec, fuzz and benchmark-style tests)."""

from __future__ import annotations

from datetime import datetime

from sip2 import messages as m

WHEN = datetime(2024, 3, 1, 10, 15, 30)
DUE = datetime(2024, 3, 22, 23, 59)
FLAGS = m.PatronStatusFlags(charge_privileges_denied=True, too_many_items_overdue=True,
                            too_many_items_billed=True)

POPULATED: dict[str, m.Message] = {
    "93": m.LoginRequest(login_user_id="borne-07", login_password="s3cret", location_code="FR-751-07"),
    "94": m.LoginResponse(ok=True),
    "99": m.SCStatus(status_code=1, max_print_width=40, protocol_version="2.00"),
    "98": m.ACSStatus(online_status=True, checkin_ok=True, checkout_ok=False, acs_renewal_policy=True,
                      status_update_ok=False, offline_ok=True, timeout_period=30, retries_allowed=3,
                      date_time_sync=WHEN, institution_id="FR-751", library_name="Médiathèque d'Égletons",
                      supported_messages="YYYNYNYYYYYNNNYY", terminal_location="Hall",
                      screen_messages=("Bienvenue",), print_lines=("ligne 1", "ligne 2")),
    "63": m.PatronInformationRequest(language="002", transaction_date=WHEN, summary="charged_items",
                                     institution_id="FR-751", patron_id="23456000123", terminal_password="tp",
                                     patron_password="8642", start_item=1, end_item=20),
    "64": m.PatronInformation(status=FLAGS, language="002", transaction_date=WHEN, hold_items_count=1,
                              overdue_items_count=2, charged_items_count=3, fine_items_count=0,
                              recall_items_count=None, unavailable_holds_count=0, institution_id="FR-751",
                              patron_id="23456000123", personal_name="Hélène Dupré", hold_items_limit=5,
                              overdue_items_limit=3, charged_items_limit=12, valid_patron=True,
                              valid_pin=False, currency_type="EUR", fee_amount="2.50", fee_limit="10.00",
                              hold_items=("H1",), overdue_items=("O1", "O2"),
                              charged_items=("C1", "C2", "C3"),
                              fine_items=("F1",), recall_items=("R1",), unavailable_hold_items=("U1",),
                              home_address="1 rue de la Paix", email_address="h@example.org",
                              home_phone_number="0102030405", home_library="FR-751-07",
                              screen_messages=("Vous avez 2 retards",), print_lines=("p",)),
    "23": m.PatronStatusRequest(language="002", transaction_date=WHEN, institution_id="FR-751",
                                patron_id="23456000123", terminal_password="tp", patron_password="8642"),
    "24": m.PatronStatusResponse(status=FLAGS, language="002", transaction_date=WHEN, institution_id="FR-751",
                                 patron_id="23456000123", personal_name="Zoé Lefèvre", valid_patron=True,
                                 valid_pin=True, currency_type="EUR", fee_amount="0.00",
                                 screen_messages=("ok",), print_lines=()),
    "11": m.CheckoutRequest(sc_renewal_policy=True, no_block=True, transaction_date=WHEN, nb_due_date=DUE,
                            institution_id="FR-751", patron_id="23456000123", item_id="3000000123456",
                            terminal_password="tp", item_properties="props", patron_password="8642",
                            fee_acknowledged=True, cancel=False),
    "12": m.CheckoutResponse(ok=True, renewal_ok=True, magnetic_media=False, desensitize=True,
                             transaction_date=WHEN, institution_id="FR-751", patron_id="23456000123",
                             item_id="3000000123456", title="Les Misérables / Victor Hugo",
                             due_date_raw="20240322    235900", fee_type="01", security_inhibit=False,
                             currency_type="EUR", fee_amount="0.50", media_type="001", item_properties="p",
                             transaction_id="T42", screen_messages=("Prêt enregistré",), print_lines=("x",)),
    "09": m.CheckinRequest(no_block=True, transaction_date=WHEN, return_date=WHEN,
                           current_location="FR-751-07",
                           institution_id="FR-751", item_id="3000000123456", terminal_password="tp",
                           item_properties="p", cancel=True),
    "10": m.CheckinResponse(ok=True, resensitize=True, magnetic_media=None, alert=True, transaction_date=WHEN,
                            institution_id="FR-751", item_id="3000000123456", permanent_location="FR-751-02",
                            title="Le Petit Prince", sort_bin="B2", patron_id="23456000123", media_type="001",
                            item_properties="p", collection_code="JEUNESSE", call_number="J SAI",
                            destination="FR-751-02", alert_type="04", hold_patron_id="23456000999",
                            hold_patron_name="Noël Çelik", screen_messages=("À transférer",), print_lines=()),
    "17": m.ItemInformationRequest(transaction_date=WHEN, institution_id="FR-751", item_id="3000000123456",
                                   terminal_password="tp"),
    "18": m.ItemInformation(circulation_status=m.CirculationStatus.CHARGED, security_marker=2, fee_type=1,
                            transaction_date=WHEN, hold_queue_length=2, due_date_raw="2024-03-22 23:59:00",
                            recall_date="20240401    000000", hold_pickup_date="20240405    000000",
                            item_id="3000000123456", title="Vingt mille lieues sous les mers", owner="FR-751",
                            currency_type="EUR", fee_amount="0", media_type="001",
                            permanent_location="FR-751-02", current_location="FR-751-07", item_properties="p",
                            patron_id="23456000123", collection_code="ADULTE", call_number="R VER",
                            destination="FR-751-02", screen_messages=("s",), print_lines=("l",)),
    "29": m.RenewRequest(third_party_allowed=True, no_block=False, transaction_date=WHEN, nb_due_date=None,
                         institution_id="FR-751", patron_id="23456000123", patron_password="8642",
                         item_id="3000000123456", title="t", terminal_password="tp", item_properties="p",
                         fee_acknowledged=False),
    "30": m.RenewResponse(ok=False, renewal_ok=False, magnetic_media=None, desensitize=None,
                          transaction_date=WHEN, institution_id="FR-751", patron_id="23456000123",
                          item_id="3000000123456", title="t", due_date_raw="", fee_type="",
                          security_inhibit=None, currency_type="", fee_amount="", media_type="",
                          item_properties="", transaction_id="",
                          screen_messages=("Réservé par un autre lecteur",), print_lines=()),
    "65": m.RenewAllRequest(transaction_date=WHEN, institution_id="FR-751", patron_id="23456000123",
                            patron_password="8642", terminal_password="tp", fee_acknowledged=True),
    "66": m.RenewAllResponse(ok=True, renewed_count=2, unrenewed_count=1, transaction_date=WHEN,
                             institution_id="FR-751", renewed_items=("A", "B"), unrenewed_items=("C",),
                             screen_messages=("2 prolongés",), print_lines=()),
    "35": m.EndPatronSessionRequest(transaction_date=WHEN, institution_id="FR-751", patron_id="23456000123",
                                    terminal_password="tp", patron_password="8642"),
    "36": m.EndSessionResponse(end_session=True, transaction_date=WHEN, institution_id="FR-751",
                               patron_id="23456000123", screen_messages=("Au revoir",), print_lines=()),
    "37": m.FeePaidRequest(transaction_date=WHEN, fee_type=4, payment_type=2, currency_type="EUR",
                           fee_amount="2.50", institution_id="FR-751", patron_id="23456000123",
                           terminal_password="tp", patron_password="8642", fee_id="F1", transaction_id="T1"),
    "38": m.FeePaidResponse(payment_accepted=True, transaction_date=WHEN, institution_id="FR-751",
                            patron_id="23456000123", transaction_id="T1", screen_messages=("Merci",)),
    "97": m.RequestACSResend(),
    "96": m.RequestSCResend(),
}


def checkout_response() -> m.CheckoutResponse:
    return POPULATED["12"]  # type: ignore[return-value]


def patron_with_charged_items(count: int = 20) -> m.PatronInformation:
    base = POPULATED["64"]
    assert isinstance(base, m.PatronInformation)
    items = tuple(f"30000001234{index:02d}" for index in range(count))
    return m.PatronInformation(
        status=base.status, language="002", transaction_date=WHEN, hold_items_count=0, overdue_items_count=0,
        charged_items_count=count, fine_items_count=0, recall_items_count=0, unavailable_holds_count=0,
        institution_id="FR-751", patron_id="23456000123", personal_name="Hélène Dupré", valid_patron=True,
        valid_pin=True, charged_items=items, home_library="FR-751-07", screen_messages=("Bonjour",))

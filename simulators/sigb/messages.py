"""French screen messages (SIP2 field AF) of the simulated SIGB.

Kept in one place so kiosk tests can assert on exact wording, and so the text
stays within characters every profile can carry once transliterated (the cp850
profile turns ``€`` and ``œ`` into ``EUR`` and ``oe``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

UNKNOWN_PATRON = "Carte inconnue : adressez-vous à l'accueil."
WRONG_PIN = "Code confidentiel incorrect."
PIN_REQUIRED = "Veuillez saisir votre code confidentiel."
CARD_LOST = "Cette carte a été déclarée perdue : adressez-vous à l'accueil."
CARD_EXPIRED = "Votre abonnement a expiré le {date} : pensez à le renouveler à l'accueil."
ACCOUNT_SUSPENDED = "Votre compte est suspendu : adressez-vous à l'accueil."
EXCESSIVE_FINES = "Vous avez {amount} de pénalités à régler : adressez-vous à l'accueil."
TOO_MANY_OVERDUE = "Vous avez {count} document(s) en retard : merci de les rendre avant d'emprunter."
LOAN_LIMIT = "Vous avez atteint le nombre maximum de prêts ({limit})."
MEDIA_LIMIT = "Vous avez atteint le nombre maximum de prêts pour ce type de document ({limit})."
RENEWALS_DENIED = "Les prolongations sont bloquées sur votre compte : adressez-vous à l'accueil."

UNKNOWN_ITEM = "Document inconnu : déposez-le à l'accueil."
NOT_FOR_LOAN = "Ce document est exclu du prêt."
WITHDRAWN = "Ce document a été retiré des collections : déposez-le à l'accueil."
LOST_ITEM = "Ce document est signalé perdu : présentez-le à l'accueil."
MISSING_ITEM = "Ce document est signalé manquant : présentez-le à l'accueil."
ALREADY_YOURS = "Vous avez déjà emprunté ce document."
ON_LOAN_TO_OTHER = "Ce document est déjà en prêt : déposez-le à l'accueil."
ON_HOLD_FOR_OTHER = "Ce document est réservé par un autre lecteur."
LATER_LOAN_CONFLICT = "Conflit : ce document a été prêté depuis à un autre lecteur. Transaction à vérifier."

CHECKOUT_OK = "Prêt enregistré. À rendre le {date}."
HOLD_FILLED = "Votre réservation est honorée."
RENEWAL_OK = "Prolongé jusqu'au {date}."
NOT_YOUR_LOAN = "Ce document n'est pas emprunté sur votre carte."
MAX_RENEWALS = "Nombre maximum de prolongations atteint ({limit})."
RENEWAL_ON_HOLD = "Document réservé par un autre lecteur : prolongation impossible."
OVERDUE_NO_RENEWAL = "Document en retard : prolongation impossible."

CHECKIN_OK = "Retour enregistré. Merci !"
CHECKIN_LATE = "Retour enregistré avec {days} jour(s) de retard."
CHECKIN_FINE = "Pénalité de retard : {amount}."
NOT_CHECKED_OUT = "Document non emprunté."
FOUND_LOST = "Document signalé perdu : retrouvé, merci !"
RETURN_BEFORE_LOAN = "Retour antérieur au prêt en cours : non appliqué, transaction à vérifier."
HOLD_HERE = "Réservé pour un lecteur de cette bibliothèque : à déposer à l'accueil."
HOLD_ELSEWHERE = "Réservé : à envoyer à {branch}."
TRANSIT = "À renvoyer à {branch}."

GREETING = "Bonjour {name}."
FEE_PAID = "Paiement de {amount} enregistré. Reste dû : {balance}."
FEE_NOT_OWED = "Aucune somme due."
GOODBYE = "Au revoir et à bientôt !"


def french_date(when: date | datetime) -> str:
    """``12/05/2025``: the day/month/year order French patrons read."""
    return when.strftime("%d/%m/%Y")


def euros(amount: Decimal) -> str:
    """``12,50 €``: French decimal comma and trailing euro sign."""
    return f"{amount.quantize(Decimal('0.01'))} €".replace(".", ",")

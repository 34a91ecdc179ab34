"""The report's method section in French: what each figure counts, for readers of the report.

These sentences restate, for a steering committee, the definitions the code applies (the module docstring
of :mod:`kiosk.pilot.figures`, which is the reference); a change of definition there changes the sentence
here. Each entry is (term, definition).
"""

from __future__ import annotations

DEFINITIONS: tuple[tuple[str, str], ...] = (
    (
        "Taux de réussite",
        "pour chaque type (prêt, retour, prolongation, identification) : transactions réussies / toutes les "
        "transactions de ce type ; un refus ou une erreur est un échec.",
    ),
    (
        "Temps par document",
        "durée mesurée par l'automate, de la lecture de l'étiquette à la fin de l'opération, pour les "
        "transactions réussies en ligne (hors ligne, elle mesure la mise en attente, pas le SIGB) ; le temps "
        "d'attente du SIGB en fait partie. Une prolongation groupée partage le temps de sa requête entre ses "
        "documents.",
    ),
    (
        "Temps d'identification",
        "durée mesurée par l'automate entre la carte et le code saisis et la réponse du SIGB sur le compte, "
        "pour les identifications réussies en ligne.",
    ),
    ("Taille de pile", "étiquettes distinctes lues ensemble sur la platine, étiquettes inconnues comprises."),
    (
        "Lecture des piles",
        "pour les piles dont le lecteur a indiqué le nombre de documents (mode pilote) : étiquettes lues "
        "comparées aux documents déclarés.",
    ),
    (
        "Tentatives de lecture",
        "lectures nécessaires à une transaction, divisées par les étiquettes du document.",
    ),
    ("Lot incomplet", "document en plusieurs parties dont une partie au moins manquait sur la platine."),
    (
        "Motif de refus",
        "code choisi par l'automate à partir du message du SIGB (rapproché de formulations connues, dont "
        "celles du site), des indications de la réponse et de l'état du compte lecteur ; le texte du SIGB "
        "n'est jamais enregistré. « Motif non classé » : journaux antérieurs à ce classement.",
    ),
    (
        "Période hors ligne",
        "de la perte du SIGB à son retour ; une période encore ouverte est listée sans durée. Rejeu : "
        "transactions faites hors ligne, acceptées ou rejetées par le SIGB à son retour.",
    ),
    (
        "Alarmes pour 1 000 visiteurs",
        "alarmes du portique, à l'entrée comme à la sortie, × 1 000 / personnes comptées en entrée. Chaque "
        "visiteur franchit le compteur deux fois (en entrant puis en sortant) : compter les entrées compte "
        "chaque visiteur une fois.",
    ),
    (
        "Sens d'une alarme",
        "celui du passage compté le plus proche dans le temps de l'alarme ; « sens inconnu » quand aucun "
        "passage n'a été compté à ce moment.",
    ),
    (
        "Fausse alarme",
        "alarme que le personnel a déclarée fausse, avec sa cause ; les alarmes non vérifiées sont comptées "
        "à part.",
    ),
    ("Taux de détection", "passages détectés / passages des tests, par orientation et par vitesse."),
    (
        "Débit de conversion",
        "étiquettes encodées par opérateur et par jour, divisées par le temps passé au poste (du premier au "
        "dernier encodage du jour, plus un temps d'encodage médian).",
    ),
)

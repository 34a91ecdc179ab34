"""The welcome screen from the configuration: library name and logo, the two prompts, and announcements from a
folder that rotate and follow the chosen language."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPixmap

from ui.kiosk.scenario import ScriptedKiosk
from ui.kiosk.viewmodel import ANNOUNCEMENT_SECONDS

from .conftest import visible_text


def test_welcome_shows_the_configured_library_logo_and_rotating_announcements(qapp, tmp_path) -> None:
    logo = tmp_path / "logo.png"
    pixmap = QPixmap(40, 20)
    pixmap.fill(QColor("darkblue"))
    assert pixmap.save(str(logo))
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "01-hours.txt").write_text("Ouvert dimanche", encoding="utf-8")
    (folder / "01-hours.en.txt").write_text("Open on Sunday", encoding="utf-8")
    (folder / "02-quiz.txt").write_text("Quiz jeunesse", encoding="utf-8")
    station = {"library_name": "Médiathèque de Canet", "logo": str(logo), "announcements": str(folder)}
    with ScriptedKiosk(tmp_path / "run", config={"station": station}) as kiosk:
        welcome = kiosk.window.stack.currentWidget()
        text = visible_text(welcome)
        assert "Médiathèque de Canet" in text and "Emprunter · Mon compte" in text and "Rendre" in text
        assert not welcome.logo.pixmap().isNull()
        assert welcome.announcement_text.text() == "Ouvert dimanche"
        now = [kiosk.vm.clock()]
        kiosk.vm.clock = lambda: now[0]
        now[0] += ANNOUNCEMENT_SECONDS
        kiosk.tick()
        assert welcome.announcement_text.text() == "Quiz jeunesse"
        now[0] += ANNOUNCEMENT_SECONDS
        kiosk.tick()
        kiosk.click("lang-en")
        assert welcome.announcement_text.text() == "Open on Sunday"

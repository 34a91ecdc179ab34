"""The kiosk touch application: PySide6 screens over the station's observable models.

Layers inside this package (only the ``qt_*`` modules and ``window``/``app``/``demo_control``
import Qt):

- ``language``, ``viewmodel``, ``receipt``, ``announcements``, ``sound`` (its fallback output) are
  plain Python: the view model owns what the screens show (which screen, the keypad entry, the
  summary after a session, display options) and acts only through :class:`kiosk.station.Station`.
- ``qt_dispatch``, ``theme``, ``widgets``, ``screens``, ``window`` are views: they subscribe to the
  view model and the station models, write back only through view-model methods, and never keep
  business state.
- ``app`` runs a station with a window; ``headless`` and ``screenshots`` drive the real demo
  station through scripted sessions without a display.
"""

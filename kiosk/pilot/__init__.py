"""The pilot evaluation: reports from the stations' anonymous event journals, and simulated pilots.

- :func:`kiosk.pilot.report.build_report` reads journals (:mod:`.sources`), computes the figures
  (:mod:`.figures`), renders a self-contained French HTML page with inline SVG charts (:mod:`.render`,
  :mod:`.charts`, :mod:`.summary`, :mod:`.labels`) and runs the privacy check on the journals and on the
  page (:mod:`.privacy`) before anything is written.
- :func:`kiosk.pilot.simulate.simulate_pilot` runs the real kiosk, gate and encoding workflows against the
  simulators in accelerated time and writes one journal per station plus the simulator's ground truth.
- ``borne pilot report`` / ``borne pilot simulate``: :mod:`kiosk.commands.pilot_cmd`.
"""

"""Gate alarm outputs on real hardware (skipped unless configured).

    BORNE_RELAY_PORT=/dev/ttyUSB1 [BORNE_RELAY_CHANNEL=1]     LCUS-type USB relay board
    BORNE_GPIO_CHIP=/dev/gpiochip0 BORNE_GPIO_LINE=17          GPIO character device (uAPI v2)
    BORNE_SYSFS_GPIO_LINE=530                                  legacy sysfs GPIO (global number)

Procedure: wire a lamp or a multimeter to the output; each test switches it on for one
second, then off. Watch it (the relay also clicks twice).
"""

from __future__ import annotations

import os
import time

import pytest

from drivers.outputs import open_output

pytestmark = pytest.mark.hardware


def blink(output) -> None:
    try:
        output.on()
        assert output.active
        time.sleep(1.0)
        output.off()
        assert not output.active
    finally:
        output.close()


@pytest.mark.skipif("BORNE_RELAY_PORT" not in os.environ, reason="set BORNE_RELAY_PORT to the relay board")
def test_relay_board_switches() -> None:
    blink(
        open_output(
            "serial-relay",
            name="relay",
            role="relay",
            port=os.environ["BORNE_RELAY_PORT"],
            channel=int(os.environ.get("BORNE_RELAY_CHANNEL", "1")),
        )
    )


@pytest.mark.skipif("BORNE_GPIO_LINE" not in os.environ, reason="set BORNE_GPIO_CHIP and BORNE_GPIO_LINE")
def test_gpio_character_device_line_switches() -> None:
    blink(
        open_output(
            "gpio",
            name="gpio",
            role="light",
            chip=os.environ.get("BORNE_GPIO_CHIP", "/dev/gpiochip0"),
            line=int(os.environ["BORNE_GPIO_LINE"]),
        )
    )


@pytest.mark.skipif("BORNE_SYSFS_GPIO_LINE" not in os.environ, reason="set BORNE_SYSFS_GPIO_LINE")
def test_sysfs_gpio_line_switches() -> None:
    blink(open_output("sysfs-gpio", name="gpio", role="light", line=int(os.environ["BORNE_SYSFS_GPIO_LINE"])))

from __future__ import annotations

import errno
import os
import shutil
import struct
import subprocess
import threading
import tty
from pathlib import Path

import pytest
import serial

from drivers.outputs import OutputError, open_output
from drivers.outputs import gpio as g
from drivers.outputs.serial_relay import SerialRelayOutput, parse_relay_frame, relay_frame
from drivers.outputs.simulated import SimulatedOutput
from gate.signal import AlarmSignal

# -- LCUS serial relay board ------------------------------------------------------------------------------


def test_relay_frames_match_the_published_examples() -> None:
    assert relay_frame(1, True) == bytes.fromhex("A0 01 01 A2")
    assert relay_frame(1, False) == bytes.fromhex("A0 01 00 A1")
    assert relay_frame(4, True) == bytes.fromhex("A0 04 01 A5")
    assert relay_frame(0xFF, True) == bytes.fromhex("A0 FF 01 A0")  # checksum wraps


def test_relay_frame_parser() -> None:
    assert parse_relay_frame(bytes.fromhex("A0 02 01 A3")) == (2, True)
    for bad, why in [
        ("A0 01 01", "4 bytes"),
        ("A1 01 01 A3", "start with A0"),
        ("A0 01 02 A3", "state"),
        ("A0 01 01 A3", "checksum"),
    ]:
        with pytest.raises(ValueError, match=why):
            parse_relay_frame(bytes.fromhex(bad))
    with pytest.raises(ValueError, match="channel"):
        relay_frame(0, True)


def test_relay_output_writes_frames_through_a_pyserial_url() -> None:
    relay = SerialRelayOutput("loop://", channel=2, name="panel")
    port = relay._serial
    relay.on()
    relay.off()
    relay.on()
    assert port.read(12) == relay_frame(2, True) + relay_frame(2, False) + relay_frame(2, True)
    assert relay.active
    relay.close()
    assert not relay.active


def test_relay_output_on_a_device_path_pty() -> None:
    master, slave = os.openpty()
    tty.setraw(master)
    try:
        relay = open_output("serial-relay", name="panel", role="relay", port=os.ttyname(slave), channel=1)
        relay.on()
        relay.close()  # switches off before closing
        data = b""
        while len(data) < 8:
            data += os.read(master, 8 - len(data))
        assert data == bytes.fromhex("A0 01 01 A2 A0 01 00 A1")
    finally:
        os.close(master)
        os.close(slave)


def test_relay_errors_name_the_output_and_port(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match=r"cannot open relay board 'panel' on .*nope"):
        SerialRelayOutput(str(tmp_path / "nope"), name="panel")


def test_relay_write_failure_reopens_on_next_switch() -> None:
    ports: list[serial.Serial] = []

    def open_port(url: str, **kw: object) -> serial.Serial:
        ports.append(serial.serial_for_url(url, **kw))
        return ports[-1]

    relay = SerialRelayOutput("loop://", open_port=open_port, name="panel")
    ports[0].close()  # unplugged
    with pytest.raises(OutputError, match="stopped answering"):
        relay.on()
    relay.on()
    assert len(ports) == 2 and ports[1].read(4) == relay_frame(1, True)


# -- Linux GPIO character device (v2) ----------------------------------------------------------------------

# Figures measured from <linux/gpio.h> compiled with gcc (Linux 6.x uAPI).
KERNEL = {
    "request": 592,
    "values": 16,
    "consumer": 256,
    "config": 288,
    "num_lines": 560,
    "fd": 588,
    "GET_LINE": 0xC250B407,
    "SET_VALUES": 0xC010B40F,
    "GET_VALUES": 0xC010B40E,
    "CHIPINFO": 0x8044B401,
}


def test_uapi_layout_and_ioctl_numbers_match_the_kernel_header() -> None:
    assert g.LINE_REQUEST.size == KERNEL["request"] and g.LINE_VALUES.size == KERNEL["values"]
    assert KERNEL["fd"] == g.REQUEST_FD_OFFSET
    assert KERNEL["GET_LINE"] == g.GPIO_V2_GET_LINE_IOCTL
    assert KERNEL["SET_VALUES"] == g.GPIO_V2_LINE_SET_VALUES_IOCTL
    assert KERNEL["GET_VALUES"] == g.GPIO_V2_LINE_GET_VALUES_IOCTL
    assert KERNEL["CHIPINFO"] == g.GPIO_GET_CHIPINFO_IOCTL
    packed = g.pack_line_request([17], "borne-gate", g.FLAG_OUTPUT)
    assert packed[KERNEL["consumer"] : KERNEL["consumer"] + 10] == b"borne-gate"
    assert struct.unpack_from("=Q", packed, KERNEL["config"])[0] == g.FLAG_OUTPUT
    assert struct.unpack_from("=I", packed, KERNEL["num_lines"])[0] == 1


@pytest.mark.skipif(
    shutil.which("cc") is None or not Path("/usr/include/linux/gpio.h").exists(),
    reason="needs a C compiler and the Linux uAPI headers",
)
def test_layout_against_the_installed_header(tmp_path: Path) -> None:
    source = tmp_path / "layout.c"
    source.write_text(
        "#include <stdio.h>\n#include <stddef.h>\n#include <linux/gpio.h>\n"
        'int main(void){printf("%zu %zu %zu %zu %lu %lu\\n", sizeof(struct gpio_v2_line_request),'
        " offsetof(struct gpio_v2_line_request, config), offsetof(struct gpio_v2_line_request, fd),"
        " sizeof(struct gpio_v2_line_values), (unsigned long)GPIO_V2_GET_LINE_IOCTL,"
        " (unsigned long)GPIO_V2_LINE_SET_VALUES_IOCTL); return 0;}\n"
    )
    subprocess.run(["cc", str(source), "-o", str(tmp_path / "layout")], check=True, capture_output=True)
    out = subprocess.run(
        [str(tmp_path / "layout")], check=True, capture_output=True, text=True
    ).stdout.split()
    assert [int(x) for x in out] == [
        g.LINE_REQUEST.size,
        288,
        g.REQUEST_FD_OFFSET,
        g.LINE_VALUES.size,
        g.GPIO_V2_GET_LINE_IOCTL,
        g.GPIO_V2_LINE_SET_VALUES_IOCTL,
    ]


class FakeGpioKernel:
    """Plays the kernel's side of the two ioctls on a real file: validates and answers like gpiolib."""

    def __init__(self, lines: int = 32, busy: tuple[int, ...] = ()) -> None:
        self.lines, self.busy = lines, busy
        self.requests: list[dict] = []
        self.values: list[tuple[int, int]] = []
        self.line_fd: int | None = None

    def __call__(self, fd: int, request: int, buffer: bytearray, mutate: bool = True) -> int:
        assert mutate and isinstance(buffer, bytearray)
        if request == g.GPIO_V2_GET_LINE_IOCTL:
            fields = g.unpack_line_request(bytes(buffer))
            if any(o >= self.lines for o in fields["offsets"]):
                raise OSError(errno.EINVAL, "Invalid argument")
            if any(o in self.busy for o in fields["offsets"]):
                raise OSError(errno.EBUSY, "Device or resource busy")
            self.requests.append(fields)
            self.line_fd = os.open(os.devnull, os.O_RDONLY)
            struct.pack_into("=i", buffer, g.REQUEST_FD_OFFSET, self.line_fd)
            return 0
        if request == g.GPIO_V2_LINE_SET_VALUES_IOCTL:
            assert fd == self.line_fd
            self.values.append(g.LINE_VALUES.unpack(bytes(buffer)))
            return 0
        raise OSError(errno.ENOTTY, "Inappropriate ioctl for device")


def test_gpio_output_requests_an_output_line_and_sets_values(tmp_path: Path) -> None:
    chip = tmp_path / "gpiochip0"
    chip.write_bytes(b"")
    kernel = FakeGpioKernel()
    out = g.GpioLineOutput(str(chip), 17, name="beacon", active_low=True, ioctl=kernel)
    (request,) = kernel.requests
    assert request["offsets"] == [17] and request["num_lines"] == 1 and request["consumer"] == "borne-gate"
    assert request["flags"] == g.FLAG_OUTPUT | g.FLAG_ACTIVE_LOW
    assert request["attributes"] == [(g.ATTR_ID_OUTPUT_VALUES, 0, 0, 1)]  # starts inactive
    out.on()
    out.off()
    out.on()
    out.close()
    assert kernel.values == [(1, 1), (0, 1), (1, 1), (0, 1)]
    with pytest.raises(OutputError, match="closed"):
        out.on()


def test_gpio_errors_say_what_to_do(tmp_path: Path) -> None:
    chip = tmp_path / "gpiochip0"
    chip.write_bytes(b"")
    with pytest.raises(OutputError, match="already in use"):
        g.GpioLineOutput(str(chip), 3, ioctl=FakeGpioKernel(busy=(3,)))
    with pytest.raises(OutputError, match="no such line"):
        g.GpioLineOutput(str(chip), 40, ioctl=FakeGpioKernel(lines=32))
    with pytest.raises(OutputError, match="sysfs-gpio"):
        g.GpioLineOutput(str(chip), 3, ioctl=lambda *a: (_ for _ in ()).throw(OSError(errno.ENOTTY, "x")))
    with pytest.raises(OutputError, match=r"cannot open GPIO chip .*missing"):
        g.GpioLineOutput(str(tmp_path / "missing"), 3, ioctl=FakeGpioKernel())


@pytest.mark.skipif(not Path("/dev/gpiochip0").exists(), reason="no GPIO chip on this machine")
def test_real_chip_rejects_an_impossible_line() -> None:
    with pytest.raises(OutputError):
        g.GpioLineOutput("/dev/gpiochip0", 1023)


# -- sysfs ------------------------------------------------------------------------------------------------


def fake_sysfs(root: Path, exported: tuple[int, ...] = ()) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "export").write_text("")
    (root / "unexport").write_text("")
    for line in exported:
        (root / f"gpio{line}").mkdir()
        for name in ("direction", "value", "active_low"):
            (root / f"gpio{line}" / name).write_text("")


def test_sysfs_output_drives_an_exported_line(tmp_path: Path) -> None:
    fake_sysfs(tmp_path, exported=(530,))
    out = open_output(
        "sysfs-gpio", name="buzzer", role="buzzer", line=530, active_low=True, sysfs_root=str(tmp_path)
    )
    line = tmp_path / "gpio530"
    assert (line / "direction").read_text() == "low" and (line / "active_low").read_text() == "1"
    out.on()
    assert (line / "value").read_text() == "1" and out.active
    out.close()
    assert (line / "value").read_text() == "0" and (tmp_path / "unexport").read_text() == ""


def test_sysfs_output_exports_a_line_and_waits_for_it(tmp_path: Path) -> None:
    fake_sysfs(tmp_path)

    def kernel() -> None:  # what the kernel does when "12" is written to export
        while (tmp_path / "export").read_text() != "12":
            threading.Event().wait(0.005)
        (tmp_path / "gpio12").mkdir()
        for name in ("direction", "value", "active_low"):
            (tmp_path / "gpio12" / name).write_text("")

    worker = threading.Thread(target=kernel)
    worker.start()
    out = g.SysfsGpioOutput(12, root=tmp_path)
    worker.join()
    out.on()
    out.close()
    assert (tmp_path / "unexport").read_text() == "12"


def test_sysfs_missing_line_times_out_with_advice(tmp_path: Path) -> None:
    fake_sysfs(tmp_path)
    with pytest.raises(OutputError, match="global number"):
        g.SysfsGpioOutput(99, root=tmp_path, export_timeout=0.05)


# -- simulated output and the alarm signal -----------------------------------------------------------------


def test_signal_switches_on_and_off_after_each_duration() -> None:
    light, buzzer = SimulatedOutput("light", clock=lambda: 0.0), SimulatedOutput("buzzer", "buzzer")
    signal = AlarmSignal([(light, 3.0), (buzzer, 1.0)])
    signal.trigger(10.0)
    assert light.active and buzzer.active
    signal.tick(11.0)
    assert light.active and not buzzer.active
    signal.trigger(12.5)  # re-trigger extends the light, switches the buzzer on again
    signal.tick(13.1)
    assert light.active and buzzer.active
    signal.tick(15.5)
    assert not light.active and not buzzer.active
    assert [state for _, state in light.events] == [True, False]


def test_signal_survives_a_failing_output_and_recovers() -> None:
    good, bad = SimulatedOutput("good"), SimulatedOutput("bad")
    bad.fail = True
    signal = AlarmSignal([(good, 1.0), (bad, 1.0)])
    signal.trigger(0.0)
    assert good.active and "fault injected" in (signal.health["bad"] or "")
    bad.fail = False
    signal.tick(2.0)
    signal.trigger(3.0)
    assert bad.active and signal.health["bad"] is None
    signal.silence()
    assert not good.active and not bad.active


def test_open_output_rejects_unknown_driver_and_role() -> None:
    with pytest.raises(OutputError, match="unknown driver"):
        open_output("parallel", name="x", role="light")
    with pytest.raises(OutputError, match="role must be"):
        open_output("simulated", name="x", role="siren")

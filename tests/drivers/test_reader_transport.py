"""Transports: port strings, explicit URL registry, reconnection with backoff, USB over a pyusb backend."""

from __future__ import annotations

import socket
import threading

import pytest
import serial
import usb.core

from drivers.errors import ReaderError, ReaderGone
from drivers.feig import protocol as p
from drivers.transport import (
    FEIG_USB_IDS,
    Backoff,
    ReconnectingTransport,
    SerialSettings,
    SerialTransport,
    TcpTransport,
    UsbTransport,
    open_serial,
    open_transport,
    opener_for,
    register_url_scheme,
)
from simulators.readers.endpoints import SimUsbBackend
from simulators.readers.feig import FeigReaderSimulator


class FlakyLink:
    """A transport that can be broken and repaired, counting how often it was opened."""

    def __init__(self) -> None:
        self.up = True
        self.opened = 0
        self.description = "flaky"

    def open(self) -> FlakyLink:
        if not self.up:
            raise ReaderGone("flaky: not there")
        self.opened += 1
        return self

    def write(self, data: bytes) -> None:
        if not self.up:
            raise ReaderGone("flaky: write failed")

    def read(self, max_bytes: int, timeout: float) -> bytes:
        if not self.up:
            raise ReaderGone("flaky: read failed")
        return b"x"

    def discard_input(self) -> None:
        """Nothing buffered."""

    def close(self) -> None:
        """Nothing to release."""


def test_reconnect_with_backoff_and_listeners() -> None:
    now = [0.0]
    link = FlakyLink()
    transport = ReconnectingTransport(link.open, "flaky", backoff=Backoff(0.1, 2.0, 0.3),
                                      clock=lambda: now[0])
    events: list[tuple[str, str]] = []
    transport.add_listener(lambda state, error: events.append((state, str(error) if error else "")))
    assert transport.read(1, 0.1) == b"x" and transport.state == "connected"
    link.up = False
    with pytest.raises(ReaderGone, match="read failed"):
        transport.read(1, 0.1)
    assert events == [("disconnected", "flaky: read failed")] and not transport.connected.is_set()
    with pytest.raises(ReaderGone, match=r"next reconnection attempt in 0\.1 s"):
        transport.write(b"x")
    now[0] = 0.1
    with pytest.raises(ReaderGone, match="not there"):  # attempt made, still down: back off more
        transport.write(b"x")
    now[0] = 0.15
    with pytest.raises(ReaderGone, match=r"next reconnection attempt in 0\.1 s"):
        transport.write(b"x")
    link.up = True
    now[0] = 0.3
    transport.write(b"x")
    assert events[-1] == ("connected", "") and link.opened == 2 and transport.connected.is_set()
    transport.close()
    with pytest.raises(ReaderGone, match="closed"):
        transport.read(1, 0.1)


def test_reconnect_now_ignores_backoff() -> None:
    link = FlakyLink()
    transport = ReconnectingTransport(link.open, "flaky", backoff=Backoff(10, 2, 10))
    link.up = False
    with pytest.raises(ReaderGone):
        transport.read(1, 0.1)
    assert transport.reconnect() is False
    link.up = True
    assert transport.reconnect() is True and transport.wait_connected(0.1)


def test_first_open_failure_is_reported() -> None:
    with pytest.raises(ReaderGone, match="cannot open '/dev/borne-no-such-port'"):
        open_transport("/dev/borne-no-such-port")


def test_port_strings() -> None:
    assert opener_for("tcp://10.1.2.3", SerialSettings())[1] == "tcp://10.1.2.3:10001"
    assert opener_for("tcp://reader.local:4001", SerialSettings())[1] == "tcp://reader.local:4001"
    assert opener_for("usb:", SerialSettings(), usb_ids=FEIG_USB_IDS)[1] == "usb:0ab1:0002"
    assert opener_for("usb:1234:abcd", SerialSettings(), usb_ids=FEIG_USB_IDS)[1] == "usb:1234:abcd"
    with pytest.raises(ReaderGone, match="hex ids"):
        opener_for("usb:zz:1", SerialSettings(), usb_ids=FEIG_USB_IDS)
    with pytest.raises(ReaderGone, match="bad TCP port"):
        opener_for("tcp://host:port", SerialSettings())


def test_registered_scheme_errors_are_not_hidden() -> None:
    def broken(url: str, **settings: object) -> serial.SerialBase:
        import borne_no_such_module  # noqa: F401

    register_url_scheme("brokensim", broken)
    with pytest.raises(ModuleNotFoundError, match="borne_no_such_module"):
        open_serial("brokensim://x")


def test_serial_transport_over_pyserial_loop() -> None:
    transport = SerialTransport(open_serial("loop://", timeout=0.01), "loop")
    transport.write(b"hello")
    assert transport.read(10, 0.2) == b"hello"
    assert transport.read(10, 0.05) == b""
    transport.close()


def test_tcp_transport_and_peer_close() -> None:
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def echo_once() -> None:
        connection, _ = server.accept()
        connection.sendall(connection.recv(100))
        connection.close()

    thread = threading.Thread(target=echo_once)
    thread.start()
    transport = TcpTransport("127.0.0.1", port)
    transport.write(b"ping")
    assert transport.read(100, 1.0) == b"ping"
    thread.join()
    with pytest.raises(ReaderGone, match="closed the connection"):
        transport.read(100, 1.0)
    transport.close()
    server.close()
    with pytest.raises(ReaderGone, match="cannot connect"):
        TcpTransport("127.0.0.1", port, connect_timeout=0.5)


def test_usb_transport_finds_device_through_custom_backend() -> None:
    backend = SimUsbBackend()
    simulator = FeigReaderSimulator()
    endpoint = simulator.serve("usb", backend=backend)
    assert usb.core.find(idVendor=0x0AB1, idProduct=0x0002, backend=backend) is not None
    transport = UsbTransport(0x0AB1, 0x0002, backend)
    assert (transport.ep_out.bEndpointAddress, transport.ep_in.bEndpointAddress) == (0x02, 0x81)
    transport.write(p.software_version().encode())
    (reply,) = p.FrameParser().feed(transport.read(64, 1.0))
    assert reply.command == 0x65 and reply.status == 0
    assert transport.read(64, 0.01) == b""
    endpoint.unplug()
    with pytest.raises(ReaderGone, match="No such device"):
        transport.write(b"\x05")
    with pytest.raises(ReaderGone, match="no USB reader 0AB1:0002 found"):
        UsbTransport(0x0AB1, 0x0002, backend)
    endpoint.replug()
    UsbTransport(0x0AB1, 0x0002, backend).close()
    with pytest.raises(ReaderGone, match="no USB reader 1234:5678"):
        UsbTransport(0x1234, 0x5678, backend)
    simulator.close()


@pytest.mark.parametrize("port", ["usb:", "USB", "usb:0ab1:0002"])
def test_usb_needs_a_driver_that_defines_it(port: str) -> None:
    """Without USB ids (every driver but FEIG) a usb: port is refused, not searched for FEIG's device."""
    with pytest.raises(ReaderError, match=r"the 'acme' reader driver has no USB transport") as caught:
        opener_for(port, SerialSettings(), driver="acme")
    assert not isinstance(caught.value, ReaderGone)  # a configuration mistake, not a reader to wait for
    assert "/dev/ttyUSB0" in str(caught.value) and "tcp://host:port" in str(caught.value)

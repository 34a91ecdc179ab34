"""Byte transports for reader drivers: serial ports and pyserial URLs, TCP, USB bulk, reconnection.

A driver only needs four operations (:class:`Transport`): write bytes, read what arrived
within a timeout, discard stale input, close. Implementations:

- :class:`SerialTransport` over anything pyserial opens with ``serial_for_url``: device
  paths (``/dev/ttyUSB0``, a pty ``/dev/pts/N``), ``socket://host:port``, ``loop://``,
  ``spy://…``, and URL schemes registered with :func:`register_url_scheme`. The registry is
  explicit: pyserial's own lookup (``serial.protocol_handler_packages``) swallows any
  ImportError of a handler and reports "protocol not known", hiding the real fault;
  registered schemes are constructed directly, so their errors surface.
- :class:`TcpTransport` for LAN readers (FEIG ID ISC.LR/MR ``tcp://host:10001``).
- :class:`UsbTransport` through pyusb. FEIG does not publish its USB framing; the
  assumption here (documented in ``docs/hardware-testing.md``) is that the reader's
  vendor interface (VID 0x0AB1, PID 0x0002) carries the same ISO-host frames on its first
  bulk OUT/IN endpoint pair. The pyusb backend is injectable, which is how the simulator
  plays the device.

:class:`ReconnectingTransport` wraps any of them: when the link drops (unplug, network
loss) the current call raises :class:`~drivers.errors.ReaderGone`, the state listeners are
told (``"disconnected"``), and later calls try to reopen with exponential backoff,
announcing ``"connected"`` on success. :func:`open_transport` parses a port string into
the right transport.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import serial

from drivers.errors import ReaderError, ReaderGone, ReaderTimeout

log = logging.getLogger(__name__)

try:  # a vanished pty or tty raises termios.error, which is not an OSError
    from termios import error as _termios_error

    SERIAL_ERRORS: tuple[type[BaseException], ...] = (serial.SerialException, OSError, _termios_error)
except ImportError:  # pragma: no cover - Windows
    SERIAL_ERRORS = (serial.SerialException, OSError)

FEIG_USB_IDS = (0x0AB1, 0x0002)
DEFAULT_TCP_PORT = 10001

StateListener = Callable[[str, "BaseException | None"], None]


@runtime_checkable
class Transport(Protocol):
    description: str

    def write(self, data: bytes) -> None: ...
    def read(self, max_bytes: int, timeout: float) -> bytes: ...
    def discard_input(self) -> None: ...
    def close(self) -> None: ...


# -- pyserial URL scheme registry ------------------------------------------------------------
URL_SCHEMES: dict[str, Callable[..., serial.SerialBase]] = {}


def register_url_scheme(scheme: str, factory: Callable[..., serial.SerialBase]) -> None:
    """Make ``scheme://…`` openable: ``factory(url, **serial_settings)`` returns an open pyserial object."""
    URL_SCHEMES[scheme.lower()] = factory


def open_serial(url: str, **settings: Any) -> serial.SerialBase:
    """Open a device path or URL; registered schemes first, then pyserial's own handlers.

    A pseudo-terminal (``/dev/pts/N``, e.g. a simulator) has no physical line: Linux refuses
    parity settings on it, so they are dropped there.
    """
    scheme = url.split("://", 1)[0].lower() if "://" in url else None
    if scheme is None and os.path.realpath(url).startswith("/dev/pts/"):
        settings = {**settings, "parity": serial.PARITY_NONE}
    try:
        if scheme in URL_SCHEMES:
            return URL_SCHEMES[scheme](url, **settings)
        return serial.serial_for_url(url, **settings)
    except ValueError as exc:
        known = ", ".join(sorted({"socket", "loop", "spy", "rfc2217", "tcp", "usb", *URL_SCHEMES}))
        raise ReaderGone(f"cannot open {url!r}: {exc} (known URL schemes: {known}; "
                         "or give a device path)") from exc
    except SERIAL_ERRORS as exc:
        raise ReaderGone(f"cannot open {url!r}: {exc}") from exc


class SerialTransport:
    """Any pyserial port object.

    The port keeps one short timeout (``poll``): changing pyserial's timeout reconfigures
    the port, so reads loop on it until their own deadline instead.
    """

    def __init__(self, port: serial.SerialBase, description: str | None = None, poll: float = 0.02) -> None:
        self.port = port
        self.description = description or str(port.port)
        if port.timeout != poll:
            port.timeout = poll

    def write(self, data: bytes) -> None:
        try:
            self.port.write(data)
        except SERIAL_ERRORS as exc:
            raise ReaderGone(f"{self.description}: write failed: {exc}") from exc

    def read(self, max_bytes: int, timeout: float) -> bytes:
        deadline = time.monotonic() + timeout
        try:
            while True:
                waiting = self.port.in_waiting
                if waiting:
                    return self.port.read(min(waiting, max_bytes))
                if time.monotonic() >= deadline:
                    return b""
                first = self.port.read(1)
                if first:
                    waiting = self.port.in_waiting
                    return first + (self.port.read(min(waiting, max_bytes - 1)) if waiting > 0 else b"")
        except SERIAL_ERRORS as exc:
            raise ReaderGone(f"{self.description}: read failed: {exc}") from exc

    def discard_input(self) -> None:
        try:
            self.port.reset_input_buffer()
        except SERIAL_ERRORS as exc:
            raise ReaderGone(f"{self.description}: {exc}") from exc

    def close(self) -> None:
        try:
            self.port.close()
        except SERIAL_ERRORS:
            log.debug("closing %s failed", self.description, exc_info=True)


class TcpTransport:
    """A TCP connection to a LAN reader."""

    def __init__(self, host: str, port: int = DEFAULT_TCP_PORT, connect_timeout: float = 3.0) -> None:
        self.description = f"tcp://{host}:{port}"
        try:
            self.sock = socket.create_connection((host, port), timeout=connect_timeout)
        except OSError as exc:
            raise ReaderGone(f"cannot connect to {self.description}: {exc}") from exc
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def write(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError as exc:
            raise ReaderGone(f"{self.description}: connection lost: {exc}") from exc

    def read(self, max_bytes: int, timeout: float) -> bytes:
        try:
            self.sock.settimeout(timeout)
            data = self.sock.recv(max_bytes)
        except (TimeoutError, BlockingIOError):
            return b""
        except OSError as exc:
            raise ReaderGone(f"{self.description}: connection lost: {exc}") from exc
        if not data:
            raise ReaderGone(f"{self.description}: the reader closed the connection")
        return data

    def discard_input(self) -> None:
        while self.read(4096, 0.0):
            pass

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            log.debug("closing %s failed", self.description, exc_info=True)


class UsbTransport:
    """Frames over the first bulk OUT/IN endpoint pair of a USB reader (pyusb)."""

    def __init__(self, vendor: int, product: int, backend: Any = None, interface: int = 0) -> None:
        import usb.core
        import usb.util

        self._usb_core = usb.core
        self.description = f"usb:{vendor:04x}:{product:04x}"
        try:
            device = usb.core.find(idVendor=vendor, idProduct=product, backend=backend)
        except usb.core.NoBackendError as exc:
            raise ReaderGone("no libusb backend for pyusb: install libusb-1.0 "
                             "(Debian: libusb-1.0-0)") from exc
        if device is None:
            raise ReaderGone(f"no USB reader {vendor:04X}:{product:04X} found "
                             "(plugged in? permissions/udev?)")
        self.device = device
        try:
            device.set_configuration()
            setting = device.get_active_configuration()[(interface, 0)]
        except usb.core.USBError as exc:
            raise ReaderGone(f"{self.description}: cannot configure the device: {exc}") from exc
        self.ep_out = self._endpoint(setting, usb.util.ENDPOINT_OUT)
        self.ep_in = self._endpoint(setting, usb.util.ENDPOINT_IN)

    def _endpoint(self, setting: Any, direction: int) -> Any:
        import usb.util

        endpoint = usb.util.find_descriptor(setting, custom_match=lambda e: (
            usb.util.endpoint_direction(e.bEndpointAddress) == direction
            and usb.util.endpoint_type(e.bmAttributes) == usb.util.ENDPOINT_TYPE_BULK))
        if endpoint is None:
            raise ReaderGone(f"{self.description}: no bulk endpoint in the reader's interface")
        return endpoint

    def write(self, data: bytes) -> None:
        try:
            self.ep_out.write(data, timeout=1000)
        except self._usb_core.USBTimeoutError as exc:
            raise ReaderTimeout(f"{self.description}: the reader did not accept data") from exc
        except self._usb_core.USBError as exc:
            raise ReaderGone(f"{self.description}: write failed: {exc}") from exc

    def read(self, max_bytes: int, timeout: float) -> bytes:
        try:
            size = max(max_bytes, self.ep_in.wMaxPacketSize)
            data = self.ep_in.read(size, timeout=max(1, int(timeout * 1000)))
        except self._usb_core.USBTimeoutError:
            return b""
        except self._usb_core.USBError as exc:
            raise ReaderGone(f"{self.description}: read failed: {exc}") from exc
        return bytes(data)

    def discard_input(self) -> None:
        while self.read(512, 0.001):
            pass

    def close(self) -> None:
        import usb.util

        try:
            usb.util.dispose_resources(self.device)
        except self._usb_core.USBError:
            log.debug("releasing %s failed", self.description, exc_info=True)


# -- reconnection -----------------------------------------------------------------------------
@dataclass
class Backoff:
    """Delays between reconnection attempts: ``initial`` doubling up to ``maximum``."""

    initial: float = 0.1
    factor: float = 2.0
    maximum: float = 5.0

    def delays(self) -> Callable[[int], float]:
        return lambda attempt: min(self.maximum, self.initial * self.factor ** attempt)


class ReconnectingTransport:
    """A transport that survives unplug/replug and network loss, telling listeners about it.

    ``state`` is ``"connected"`` or ``"disconnected"``; ``connected`` is a
    :class:`threading.Event` mirroring it; ``add_listener(fn)`` registers ``fn(state, error)``
    called on every change. While disconnected, each call first tries to reopen when the
    backoff delay has elapsed, otherwise raises :class:`ReaderGone` at once.
    """

    def __init__(self, opener: Callable[[], Transport], description: str, *,
                 backoff: Backoff | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self._opener = opener
        self.description = description
        self._delay = (backoff or Backoff()).delays()
        self._clock = clock
        self._lock = threading.RLock()
        self._listeners: list[StateListener] = []
        self.connected = threading.Event()
        self._attempts = 0
        self._next_attempt = 0.0
        self._closed = False
        self._inner: Transport | None = opener()
        self.connected.set()

    @property
    def state(self) -> str:
        return "connected" if self.connected.is_set() else "disconnected"

    def add_listener(self, listener: StateListener) -> None:
        self._listeners.append(listener)

    def _notify(self, state: str, error: BaseException | None) -> None:
        for listener in list(self._listeners):
            try:
                listener(state, error)
            except Exception:
                log.exception("reader connection listener failed")

    def _current(self) -> Transport:
        with self._lock:
            if self._closed:
                raise ReaderGone(f"{self.description}: transport closed")
            if self._inner is not None:
                return self._inner
            wait = self._next_attempt - self._clock()
            if wait > 0:
                raise ReaderGone(f"{self.description}: disconnected, "
                                 f"next reconnection attempt in {wait:.1f} s")
            return self._reopen()

    def _reopen(self) -> Transport:
        try:
            self._inner = self._opener()
        except ReaderGone:
            self._next_attempt = self._clock() + self._delay(self._attempts)
            self._attempts += 1
            raise
        self._attempts = 0
        self.connected.set()
        log.info("%s: reconnected", self.description)
        self._notify("connected", None)
        return self._inner

    def _lost(self, failed: Transport, error: ReaderGone) -> None:
        with self._lock:
            if self._inner is not failed:
                return
            self._inner = None
            self._attempts = 0
            self._next_attempt = self._clock() + self._delay(0)
            self.connected.clear()
        failed.close()
        log.warning("%s: connection lost: %s", self.description, error)
        self._notify("disconnected", error)

    def _call(self, name: str, *args: Any) -> Any:
        inner = self._current()
        try:
            return getattr(inner, name)(*args)
        except ReaderGone as exc:
            self._lost(inner, exc)
            raise

    def write(self, data: bytes) -> None:
        self._call("write", data)

    def read(self, max_bytes: int, timeout: float) -> bytes:
        return self._call("read", max_bytes, timeout)

    def discard_input(self) -> None:
        self._call("discard_input")

    def reconnect(self) -> bool:
        """Try to reopen now (ignoring the backoff); True when connected afterwards."""
        with self._lock:
            if self._inner is not None:
                return True
            try:
                self._reopen()
            except ReaderGone:
                return False
            return True

    def wait_connected(self, timeout: float) -> bool:
        """Keep trying (respecting the backoff) until connected or ``timeout`` elapses."""
        deadline = self._clock() + timeout
        while True:
            try:
                self._current()
                return True
            except ReaderGone:
                remaining = deadline - self._clock()
                if remaining <= 0:
                    return False
                time.sleep(min(remaining, max(0.01, self._next_attempt - self._clock())))

    def close(self) -> None:
        with self._lock:
            self._closed = True
            inner, self._inner = self._inner, None
            self.connected.clear()
        if inner is not None:
            inner.close()


# -- port strings -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SerialSettings:
    baudrate: int = 38400
    bytesize: int = 8
    parity: str = "E"
    stopbits: float = 1


def opener_for(port: str, serial_settings: SerialSettings, *, usb_ids: tuple[int, int] | None = None,
               usb_backend: Any = None, driver: str = "") -> tuple[Callable[[], Transport], str]:
    """A function opening ``port`` and a description of it.

    ``usb:`` (``usb:VVVV:PPPP`` for other ids), ``tcp://host[:port]``, registered URL schemes,
    pyserial URLs (``socket://``, ``rfc2217://``, ``loop://``, ``spy://``) and device paths.
    ``usb:`` needs ``usb_ids``: only a driver that defines a USB framing (FEIG) gives them; for the
    others (``driver`` names them in the error) a ``usb:`` port is refused rather than searched for
    another maker's device.
    """
    if port.lower() == "usb" or port.lower().startswith("usb:"):
        if usb_ids is None:
            raise ReaderError(_no_usb_message(port, driver))
        vendor, product = _usb_ids(port, usb_ids)
        return (lambda: UsbTransport(vendor, product, usb_backend)), f"usb:{vendor:04x}:{product:04x}"
    if port.lower().startswith("tcp://"):
        address = port[6:]
        host, _, number = address.rpartition(":") if ":" in address else (address, "", str(DEFAULT_TCP_PORT))
        try:
            tcp_port = int(number)
        except ValueError as exc:
            raise ReaderGone(f"bad TCP port in {port!r}: expected tcp://host:port") from exc
        return (lambda: TcpTransport(host.strip("[]"), tcp_port)), f"tcp://{host}:{tcp_port}"
    settings = {"baudrate": serial_settings.baudrate, "bytesize": serial_settings.bytesize,
                "parity": serial_settings.parity, "stopbits": serial_settings.stopbits, "timeout": 0.1}
    return (lambda: SerialTransport(open_serial(port, **settings), port)), port


def _no_usb_message(port: str, driver: str) -> str:
    who = f"the {driver!r} reader driver" if driver else "this reader driver"
    return (f"{who} has no USB transport, so port {port!r} cannot be used: give a serial device path "
            f"(/dev/ttyUSB0, also for a USB-serial adapter), a pyserial URL (socket://host:port, "
            f"rfc2217://host:port, spy://…) or tcp://host:port; usb: is only defined for the 'feig' driver")


def _usb_ids(port: str, default: tuple[int, int]) -> tuple[int, int]:
    parts = [p for p in port.split(":")[1:] if p]
    if not parts:
        return default
    try:
        vendor, product = (int(p, 16) for p in parts)
    except ValueError as exc:
        raise ReaderGone(f"bad USB port {port!r}: expected usb: or usb:VVVV:PPPP (hex ids)") from exc
    return vendor, product


def open_transport(port: str, serial_settings: SerialSettings | None = None, *, reconnect: bool = True,
                   backoff: Backoff | None = None, usb_ids: tuple[int, int] | None = None,
                   usb_backend: Any = None, driver: str = "") -> Transport:
    """Open ``port`` (raises :class:`ReaderGone` with the cause when it cannot be opened now).

    ``usb_ids`` (vendor, product) enable ``usb:`` ports; without them a ``usb:`` port raises
    :class:`ReaderError` naming ``driver`` and the ports it takes instead.
    """
    opener, description = opener_for(port, serial_settings or SerialSettings(), usb_ids=usb_ids,
                                     usb_backend=usb_backend, driver=driver)
    if not reconnect:
        return opener()
    return ReconnectingTransport(opener, description, backoff=backoff)

"""Where a reader simulator can be reached: pty, TCP, pyserial URL scheme, pyusb backend.

Each endpoint pumps bytes between a real transport and ``simulator.receive`` and supports
``unplug()`` / ``replug()``:

- :class:`PtyEndpoint`: a pseudo-terminal pair; drivers open a real device path. The
  stable path is a symlink (like udev's ``/dev/serial/by-id``) re-pointed to the new
  ``/dev/pts/N`` after a replug; unplugging closes the pty, so the driver's reads fail.
- :class:`TcpEndpoint`: a listening socket (one thread per client); unplugging closes the
  listener and every connection, replugging listens again on the same port.
- :class:`UrlEndpoint`: ``simreader://NAME`` opened through pyserial (``SimReaderSerial``
  is a ``serial.SerialBase``); the exchange is in-process but goes through pyserial's API.
- :class:`UsbEndpoint`: a pyusb backend (:class:`SimUsbBackend`) presenting a USB device
  with the simulator's VID/PID and one bulk OUT/IN endpoint pair.
"""

from __future__ import annotations

import array
import contextlib
import errno
import itertools
import os
import select
import shutil
import socket
import tempfile
import threading
import tty
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import serial
import usb.backend
import usb.core
import usb.util

from simulators.readers.base import SimulatorError

if TYPE_CHECKING:
    from simulators.readers.base import ReaderSimulator


class Endpoint:
    """A place where a driver can open the simulator (``port`` is what to pass to ``open_reader``)."""

    port: str = ""
    usb_backend: Any = None

    def unplug(self) -> None:
        raise NotImplementedError

    def replug(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self.unplug()


class PtyEndpoint(Endpoint):
    def __init__(self, simulator: ReaderSimulator, link_dir: str | None = None) -> None:
        self.simulator = simulator
        self._own_dir = link_dir is None
        self._dir = link_dir or tempfile.mkdtemp(prefix="borne-sim-")
        self.port = os.path.join(self._dir, f"{simulator.protocol}0")
        self.device = ""
        self._fds: tuple[int, int] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.replug()

    def replug(self) -> None:
        if self._fds is not None:
            return
        master, slave = os.openpty()
        tty.setraw(slave)
        self._fds = (master, slave)
        self.device = os.ttyname(slave)
        temporary = self.port + ".new"
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        os.symlink(self.device, temporary)
        os.replace(temporary, self.port)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._pump, args=(master, self._stop), daemon=True,
                                        name=f"pty-{self.simulator.protocol}")
        self._thread.start()

    def _pump(self, master: int, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                ready, _, _ = select.select([master], [], [], 0.05)
                if not ready:
                    continue
                data = os.read(master, 4096)
            except (OSError, ValueError):
                return
            reply = self.simulator.receive(data)
            if reply:
                try:
                    os.write(master, reply)
                except OSError:
                    return

    def unplug(self) -> None:
        if self._fds is None:
            return
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1.0)
        for fd in self._fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        self._fds = None

    def close(self) -> None:
        self.unplug()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.port)
        if self._own_dir:
            shutil.rmtree(self._dir, ignore_errors=True)


class TcpEndpoint(Endpoint):
    def __init__(self, simulator: ReaderSimulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self.simulator = simulator
        self.host = host
        self.tcp_port = port
        self._listener: socket.socket | None = None
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.replug()

    @property
    def address(self) -> tuple[str, int]:
        return self.host, self.tcp_port

    def replug(self) -> None:
        if self._listener is not None:
            return
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind((self.host, self.tcp_port))
        except OSError as exc:
            listener.close()
            raise SimulatorError(f"cannot listen on {self.host}:{self.tcp_port}: {exc.strerror}") from exc
        listener.listen(4)
        self.tcp_port = listener.getsockname()[1]
        self.port = f"tcp://{self.host}:{self.tcp_port}"
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True, name="tcp-accept").start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._connections.add(connection)
            threading.Thread(target=self._serve, args=(connection,), daemon=True, name="tcp-client").start()

    def _serve(self, connection: socket.socket) -> None:
        try:
            while data := connection.recv(4096):
                reply = self.simulator.receive(data)
                if reply:
                    connection.sendall(reply)
        except OSError:
            pass
        finally:
            with self._lock:
                self._connections.discard(connection)
            connection.close()

    def unplug(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            connections, self._connections = self._connections, set()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()


# -- simreader:// through pyserial ------------------------------------------------------------
URL_SCHEME = "simreader"
_URL_ENDPOINTS: dict[str, UrlEndpoint] = {}
_names = itertools.count(1)


class UrlEndpoint(Endpoint):
    def __init__(self, simulator: ReaderSimulator, name: str | None = None) -> None:
        self.simulator = simulator
        self.name = name or f"{simulator.protocol}-{next(_names)}"
        if self.name in _URL_ENDPOINTS:
            raise SimulatorError(f"{URL_SCHEME}://{self.name} is already served")
        self.port = f"{URL_SCHEME}://{self.name}"
        self.plugged = True
        self.connections: set[SimReaderSerial] = set()
        _URL_ENDPOINTS[self.name] = self

    def unplug(self) -> None:
        self.plugged = False
        for connection in list(self.connections):
            connection.link_lost()

    def replug(self) -> None:
        self.plugged = True

    def close(self) -> None:
        self.unplug()
        _URL_ENDPOINTS.pop(self.name, None)


class SimReaderSerial(serial.SerialBase):
    """``simreader://NAME``: a pyserial port whose other end is an in-process reader simulator."""

    def open(self) -> None:
        if self._port is None:
            raise serial.SerialException("port must be configured before it can be used")
        name = str(self._port).split("://", 1)[-1].strip("/")
        endpoint = _URL_ENDPOINTS.get(name)
        if endpoint is None or not endpoint.plugged:
            served = ", ".join(sorted(_URL_ENDPOINTS)) or "none"
            raise serial.SerialException(f"no simulated reader at {self._port} (served: {served})")
        self._endpoint = endpoint
        self._rx = bytearray()
        self._ready = threading.Condition()
        self._lost = False
        endpoint.connections.add(self)
        self.is_open = True

    def link_lost(self) -> None:
        with self._ready:
            self._lost = True
            self._ready.notify_all()

    def _check(self) -> None:
        if not self.is_open:
            raise serial.PortNotOpenError()
        if self._lost:
            raise serial.SerialException(f"{self._port}: device disconnected")

    def close(self) -> None:
        if self.is_open:
            self._endpoint.connections.discard(self)
        self.is_open = False

    def _reconfigure_port(self) -> None:
        """Nothing to configure: speed and framing do not exist in-process."""

    @property
    def in_waiting(self) -> int:
        self._check()
        return len(self._rx)

    def read(self, size: int = 1) -> bytes:
        self._check()
        with self._ready:
            if not self._rx and self._timeout != 0:
                self._ready.wait_for(lambda: self._rx or self._lost, timeout=self._timeout)
            self._check()
            data = bytes(self._rx[:size])
            del self._rx[:size]
        return data

    def write(self, data: bytes) -> int:
        self._check()
        reply = self._endpoint.simulator.receive(bytes(data))
        if reply:
            with self._ready:
                self._rx += reply
                self._ready.notify_all()
        return len(data)

    def reset_input_buffer(self) -> None:
        self._check()
        with self._ready:
            self._rx.clear()

    def reset_output_buffer(self) -> None:
        self._check()


def open_simreader(url: str, **settings: Any) -> SimReaderSerial:
    """Factory registered with ``drivers.transport.register_url_scheme``."""
    return SimReaderSerial(url, **settings)


# -- pyusb backend ----------------------------------------------------------------------------
class _Descriptor:
    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)
        self.extra_descriptors: list[int] = []


EP_OUT = 0x02
EP_IN = 0x81


class SimUsbDevice:
    def __init__(self, simulator: ReaderSimulator, vendor: int, product: int, address: int) -> None:
        self.simulator = simulator
        self.plugged = True
        self.generation = 0
        self.inbox = bytearray()
        self.ready = threading.Condition()
        self.descriptor = _Descriptor(
            bLength=18, bDescriptorType=1, bcdUSB=0x0200, bDeviceClass=0xFF, bDeviceSubClass=0,
            bDeviceProtocol=0, bMaxPacketSize0=64, idVendor=vendor, idProduct=product, bcdDevice=0x0100,
            iManufacturer=0, iProduct=0, iSerialNumber=0, bNumConfigurations=1, address=address, bus=1,
            port_number=address, port_numbers=(address,), speed=usb.util.SPEED_FULL)


class SimUsbBackend(usb.backend.IBackend):
    """A pyusb backend with simulated readers plugged in (``usb.core.find(backend=...)``)."""

    def __init__(self) -> None:
        super().__init__()
        self.devices: list[SimUsbDevice] = []

    def add(self, simulator: ReaderSimulator, vendor: int, product: int) -> SimUsbDevice:
        device = SimUsbDevice(simulator, vendor, product, len(self.devices) + 1)
        self.devices.append(device)
        return device

    @staticmethod
    def _gone() -> usb.core.USBError:
        return usb.core.USBError("No such device (it may have been disconnected)", errno=errno.ENODEV)

    def _live(self, handle: tuple[SimUsbDevice, int]) -> SimUsbDevice:
        device, generation = handle
        if not device.plugged or device.generation != generation:
            raise self._gone()
        return device

    def enumerate_devices(self) -> list[SimUsbDevice]:
        return [d for d in self.devices if d.plugged]

    def get_device_descriptor(self, dev: SimUsbDevice) -> _Descriptor:
        return dev.descriptor

    def get_configuration_descriptor(self, dev: SimUsbDevice, config: int) -> _Descriptor:
        return _Descriptor(bLength=9, bDescriptorType=2, wTotalLength=32, bNumInterfaces=1,
                           bConfigurationValue=1, iConfiguration=0, bmAttributes=0x80, bMaxPower=50)

    def get_interface_descriptor(self, dev: SimUsbDevice, intf: int, alt: int, config: int) -> _Descriptor:
        if intf != 0 or alt != 0:
            raise IndexError("no such interface")
        return _Descriptor(bLength=9, bDescriptorType=4, bInterfaceNumber=0, bAlternateSetting=0,
                           bNumEndpoints=2, bInterfaceClass=0xFF, bInterfaceSubClass=0,
                           bInterfaceProtocol=0, iInterface=0)

    def get_endpoint_descriptor(self, dev: SimUsbDevice, ep: int, intf: int, alt: int,
                                config: int) -> _Descriptor:
        if ep > 1:
            raise IndexError("no such endpoint")
        return _Descriptor(bLength=7, bDescriptorType=5, bEndpointAddress=(EP_OUT, EP_IN)[ep],
                           bmAttributes=0x02, wMaxPacketSize=64, bInterval=0, bRefresh=0, bSynchAddress=0)

    def open_device(self, dev: SimUsbDevice) -> tuple[SimUsbDevice, int]:
        if not dev.plugged:
            raise self._gone()
        return dev, dev.generation

    def close_device(self, dev_handle: tuple[SimUsbDevice, int]) -> None:
        """Nothing to release."""

    def set_configuration(self, dev_handle: tuple[SimUsbDevice, int], config_value: int) -> None:
        self._live(dev_handle)

    def get_configuration(self, dev_handle: tuple[SimUsbDevice, int]) -> int:
        self._live(dev_handle)
        return 1

    def set_interface_altsetting(self, dev_handle: Any, intf: int, altsetting: int) -> None:
        self._live(dev_handle)

    def claim_interface(self, dev_handle: tuple[SimUsbDevice, int], intf: int) -> None:
        self._live(dev_handle)

    def release_interface(self, dev_handle: tuple[SimUsbDevice, int], intf: int) -> None:
        """Released with the handle."""

    def is_kernel_driver_active(self, dev_handle: Any, intf: int) -> bool:
        return False

    def bulk_write(self, dev_handle: tuple[SimUsbDevice, int], ep: int, intf: int, data: Any,
                   timeout: int) -> int:
        device = self._live(dev_handle)
        reply = device.simulator.receive(bytes(data))
        if reply:
            with device.ready:
                device.inbox += reply
                device.ready.notify_all()
        return len(data)

    def bulk_read(self, dev_handle: tuple[SimUsbDevice, int], ep: int, intf: int, buff: array.array,
                  timeout: int) -> int:
        device = self._live(dev_handle)
        with device.ready:
            device.ready.wait_for(lambda: device.inbox or not device.plugged, timeout=timeout / 1000)
            self._live(dev_handle)
            if not device.inbox:
                raise usb.core.USBTimeoutError("Operation timed out", errno=errno.ETIMEDOUT)
            count = min(len(buff), len(device.inbox))
            buff[:count] = array.array("B", device.inbox[:count])
            del device.inbox[:count]
        return count

    def clear_halt(self, dev_handle: Any, ep: int) -> None:
        self._live(dev_handle)


class UsbEndpoint(Endpoint):
    def __init__(self, simulator: ReaderSimulator, backend: SimUsbBackend | None = None) -> None:
        if simulator.usb_ids is None:
            raise SimulatorError(f"the {simulator.protocol} reader has no USB interface")
        self.usb_backend = backend or SimUsbBackend()
        vendor, product = simulator.usb_ids
        self.device = self.usb_backend.add(simulator, vendor, product)
        self.port = f"usb:{vendor:04x}:{product:04x}"

    def unplug(self) -> None:
        with self.device.ready:
            self.device.plugged = False
            self.device.generation += 1
            self.device.inbox.clear()
            self.device.ready.notify_all()

    def replug(self) -> None:
        self.device.plugged = True


ENDPOINTS: dict[str, Callable[..., Endpoint]] = {
    "pty": PtyEndpoint,
    "tcp": TcpEndpoint,
    "url": UrlEndpoint,
    "usb": UsbEndpoint,
}

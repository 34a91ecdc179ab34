#!/usr/bin/env bash
# Fresh-machine setup, shared by the README's first command and CI:
# system libraries (when apt-get is there and we may use it), a virtual environment in .venv, Borne with its test extras.
set -euo pipefail
cd "$(dirname "$0")/.."

# libusb for pyusb, libnfc/libfreefare for pynfc, EGL/GL/xkb/fontconfig/dbus for Qt (offscreen too),
# DejaVu fonts (Latin and Arabic glyphs) for the kiosk's screens and screenshots.
SYSTEM_PACKAGES="libusb-1.0-0 libnfc6 libnfc-dev libfreefare0 libfreefare-dev
  libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 fonts-dejavu-core"

if command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else SUDO="none"; fi
  fi
  if [ "$SUDO" = "none" ]; then
    echo "setup: not root and no sudo: install these Debian packages yourself if they are missing:" >&2
    echo "  $SYSTEM_PACKAGES" >&2
  else
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -qq --no-install-recommends $SYSTEM_PACKAGES >/dev/null
  fi
else
  echo "setup: no apt-get: make sure the equivalents of these Debian packages are installed:" >&2
  echo "  $SYSTEM_PACKAGES" >&2
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e '.[test]'
echo "setup: ready (.venv)"

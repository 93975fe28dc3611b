#!/usr/bin/env bash
# Install what the browser tests (tests/web/test_browser.py) need from Debian's packages:
# Chromium, and a Japanese font so pages and screenshots show Japanese rather than boxes.
# The Python driver (Playwright, launched with executable_path=/usr/bin/chromium) comes from
# requirements-dev.txt; nothing here or in the tests downloads a browser of its own.
#
# Idempotent and fast when everything is there (no apt call at all). Needs root or password-less sudo
# to install; otherwise it says what to run and exits 0, and the browser tests skip with that reason.
# KG_REQUIRE_BROWSER=1 turns "could not install" into a failure (exit 1), for CI.
set -euo pipefail

CHROMIUM_PACKAGES=(chromium)
FONT_PACKAGES=(${KG_BROWSER_FONTS:-fonts-noto-cjk})

have_chromium() { [ -x /usr/bin/chromium ] || command -v chromium >/dev/null 2>&1; }
have_japanese_font() { command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=ja family 2>/dev/null | head -n 1)" ]; }

give_up() {
  echo "install_browser: $1" >&2
  echo "install_browser: run as root: apt-get update && apt-get install -y --no-install-recommends ${CHROMIUM_PACKAGES[*]} ${FONT_PACKAGES[*]}" >&2
  if [ -n "${KG_REQUIRE_BROWSER:-}" ]; then exit 1; fi
  echo "install_browser: the browser tests will be skipped" >&2
  exit 0
}

missing=()
have_chromium || missing+=("${CHROMIUM_PACKAGES[@]}")
have_japanese_font || missing+=("${FONT_PACKAGES[@]}")

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
  else
    give_up "missing ${missing[*]} and no root or password-less sudo to install them"
  fi
  command -v apt-get >/dev/null 2>&1 || give_up "missing ${missing[*]} and this is not a Debian-like system (no apt-get)"
  echo "install_browser: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt_install() {
    ${SUDO[@]+"${SUDO[@]}"} apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 "${missing[@]}" >/dev/null
  }
  # A fresh machine often has no package lists yet: update only when the first try fails.
  if ! apt_install 2>/dev/null; then
    ${SUDO[@]+"${SUDO[@]}"} apt-get update -qq -o DPkg::Lock::Timeout=300 || give_up "apt-get update failed"
    apt_install || give_up "apt-get install ${missing[*]} failed"
  fi
  have_chromium || give_up "chromium is still missing after installing it"
fi

echo "install_browser: $(chromium --version 2>/dev/null | head -n 1 || echo 'chromium (version unknown)'); Japanese font: $(fc-list :lang=ja family 2>/dev/null | head -n 1 | cut -d, -f1)"
if [ -x .venv/bin/python ] && ! .venv/bin/python -c 'import playwright' 2>/dev/null; then
  echo "install_browser: note: the Python driver is not in .venv yet (pip install -r requirements-dev.txt)" >&2
fi

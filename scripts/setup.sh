#!/usr/bin/env bash
# Set up fenjie in ./.venv (and LibreOffice for the tests when running as root on Debian).
set -euo pipefail
cd "$(dirname "$0")/.."
# python3-uno: the LibreOffice template test drives soffice through the system python3
# libreoffice-writer: the fenjie draft test makes .docx and PDF versions of the gazette's plans
if { ! command -v soffice >/dev/null 2>&1 || ! /usr/bin/python3 -c "import uno" >/dev/null 2>&1 \
     || ! dpkg -s libreoffice-writer >/dev/null 2>&1; } \
    && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends libreoffice-calc libreoffice-writer python3-uno fonts-noto-cjk >/dev/null
fi
# chromium: the `fenjie serve` browser tests drive Debian's chromium through Playwright (no browser download)
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends chromium fonts-noto-cjk >/dev/null
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'

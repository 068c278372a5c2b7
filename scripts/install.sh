#!/usr/bin/env bash
# Install symrnn on a fresh machine.
#   bash scripts/install.sh          the package and its runtime dependencies
#   bash scripts/install.sh --test   also the test extras, torch 2.13.0 (CPU) and, through apt,
#                                    TeX Live (latexmk, exam class, Spanish babel) and poppler for the PDF tests,
#                                    bubblewrap for the sandbox of check --function, and chromium
#                                    for the browser test of symrnn serve (never 'playwright install')
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--test" ]; then
  need_tex=0
  command -v latexmk >/dev/null 2>&1 || need_tex=1
  command -v pdftoppm >/dev/null 2>&1 || need_tex=1
  command -v kpsewhich >/dev/null 2>&1 && kpsewhich exam.cls >/dev/null 2>&1 || need_tex=1
  command -v kpsewhich >/dev/null 2>&1 && kpsewhich spanish.ldf >/dev/null 2>&1 || need_tex=1   # babel's Spanish (--lang es)
  command -v bwrap >/dev/null 2>&1 || need_tex=1   # bubblewrap: check --function's sandbox
  command -v chromium >/dev/null 2>&1 || need_tex=1   # chromium: the browser test of symrnn serve (Playwright drives it)
  if [ "$need_tex" = 1 ]; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends \
      latexmk texlive-latex-base texlive-latex-recommended texlive-latex-extra texlive-lang-spanish poppler-utils \
      bubblewrap chromium
  fi
  # torch is pinned: 2.13.0 is the CPU build this project tests against.
  python -m pip install -q -e ".[test]" "torch==2.13.0"
else
  python -m pip install -q .
fi

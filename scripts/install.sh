#!/usr/bin/env bash
# Install symrnn on a fresh machine.
#   bash scripts/install.sh          the package and its runtime dependencies
#   bash scripts/install.sh --test   also the test extras, torch 2.13.0 (CPU) and, through apt,
#                                    TeX Live (latexmk, exam class) and poppler for the PDF tests,
#                                    and bubblewrap for the sandbox of check --function
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--test" ]; then
  need_tex=0
  command -v latexmk >/dev/null 2>&1 || need_tex=1
  command -v pdftoppm >/dev/null 2>&1 || need_tex=1
  command -v kpsewhich >/dev/null 2>&1 && kpsewhich exam.cls >/dev/null 2>&1 || need_tex=1
  command -v bwrap >/dev/null 2>&1 || need_tex=1   # bubblewrap: check --function's sandbox
  if [ "$need_tex" = 1 ]; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends \
      latexmk texlive-latex-base texlive-latex-recommended texlive-latex-extra poppler-utils \
      bubblewrap
  fi
  # torch is pinned: 2.13.0 is the CPU build this project tests against.
  python -m pip install -q -e ".[test]" "torch==2.13.0"
else
  python -m pip install -q .
fi

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make mutate: put each bug of scripts/mutations.txt into a scratch copy of
# the tree, one at a time, run the suites that cover it and say which test
# killed it; prints the table and the score (build/mutate/report.txt).
# --verify only checks that every entry still applies (make check).
# See scripts/mutate.py for the options and the catalogue's format.
set -euo pipefail
exec python3 "$(dirname "$0")/mutate.py" "$@"

# SPDX-License-Identifier: GPL-2.0
#
# Sphinx configuration for `make docs` (scripts/docs.sh).  The API and ABI
# references are `.. kernel-doc::` directives over the sources, rendered
# by the kernel's own kernel-doc script and Sphinx extension, taken from
# linux-source-6.12 as unpacked into build/linux-6.12 by
# `scripts/kunit.sh --prepare-only` (LINUX_SRC= to use another tree).

import os
import sys

root = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
linux = os.path.abspath(os.environ.get('LINUX_SRC',
                                       os.path.join(root, 'build', 'linux-6.12')))
sys.path.insert(0, os.path.join(linux, 'Documentation', 'sphinx'))

project = 'msgport, syslet and upcall'
author = 'the msgport authors'
copyright = 'GPL-2.0'

extensions = ['kerneldoc']
kerneldoc_bin = os.path.join(linux, 'scripts', 'kernel-doc')
kerneldoc_srctree = root

# The kernel's headers are C: the C domain, not C++.
primary_domain = 'c'
highlight_language = 'none'

master_doc = 'index'
exclude_patterns = []
html_theme = 'alabaster'
html_theme_options = {'page_width': '1100px', 'sidebar_width': '240px'}
html_static_path = []

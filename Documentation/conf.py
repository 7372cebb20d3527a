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

# Manual pages (`make man`, installed by `make install`): the references
# themselves, rendered by Sphinx's man builder, not a second text.
# upc_register(3) and upc_control(3) are links to upcall(4), made by
# the Makefile.
man_pages = [
    ('syslet', 'syslet', 'chains of system calls run by threads of the caller',
     [author], 4),
    ('upcall', 'upcall', 'DragonFly upcalls on /dev/upcall',
     [author], 4),
    ('msgport', 'msgport', 'LWKT message ports', [author], 9),
]
man_show_urls = False

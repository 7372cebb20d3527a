#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Print the version of the tree, the one MODULE_VERSION carries (Kbuild),
# dkms.conf and the installed files are named by:
#   - the VERSION file, if there is one: a tarball of `make dist` or a
#     DKMS source tree (`make install-dkms`), which have no git history;
#   - else `git describe` on a release tag vX.Y[...], without the v, e.g.
#     0.2-14-g1a2b3c4d5e6f (14 commits after v0.2), -dirty for local changes;
#   - else, before the first tag, the same form counted from the root:
#     0-<commits>-g<hash>[-dirty];
#   - else "unknown".
#
# Usage: scripts/version.sh [DIR]   (DIR: the tree, default this one)
dir=${1:-$(dirname "$0")/..}
if [ -f "$dir/VERSION" ]; then
	head -1 "$dir/VERSION"
	exit 0
fi
if d=$(git -C "$dir" describe --tags --match 'v[0-9]*' --dirty --abbrev=12 2>/dev/null); then
	echo "${d#v}"
elif h=$(git -C "$dir" describe --always --dirty --abbrev=12 2>/dev/null) &&
     n=$(git -C "$dir" rev-list --count HEAD 2>/dev/null); then
	echo "0-$n-g$h"
else
	echo unknown
fi

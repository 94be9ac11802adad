#!/bin/sh
# The aeserve command inside the image: the CLI on the JRE, with every jar in /opt/aeserve/lib.
# AESERVE_JAVA_OPTS holds JVM options (heap size and the like), as for ./aeserve on a workstation.
set -eu
# shellcheck disable=SC2086 # AESERVE_JAVA_OPTS is a list of options: word splitting is the point.
exec java ${AESERVE_JAVA_OPTS:-} -cp '/opt/aeserve/lib/*' dev.aeserve.cli.Main "$@"

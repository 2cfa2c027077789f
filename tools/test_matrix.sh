#!/bin/bash
# make test-matrix: the test suite on newer QGIS, each in a Debian chroot built by debootstrap from the
# mirror in this machine's apt sources (with the host's CA certificates), e.g.
#   tools/test_matrix.sh trixie        # QGIS 3.40 LTR, Python 3.13
#   tools/test_matrix.sh trixie sid    # and QGIS 3.44, Python 3.14
# The chroots live in $MATRIX_ROOT (default /var/tmp/guotukit-matrix) and are reused; the repository is
# copied in fresh (git ls-files of the working tree) and `make test` runs there, installing what it needs.
# Exit status: 0 all passed; 1 a suite failed; 2 this machine cannot build or enter a chroot (no root,
# no mount, no mirror) — the tests did not run (CI reports it and goes on).
set -uo pipefail
ROOT_DIR=$(cd "$(dirname "$0")/.." && pwd)
MATRIX_ROOT=${MATRIX_ROOT:-/var/tmp/guotukit-matrix}
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
MIRROR=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
MIRROR=${MIRROR:-http://deb.debian.org/debian}
suites=("${@:-trixie}")
status=0
for suite in "${suites[@]}"; do
  root="$MATRIX_ROOT/$suite"
  echo "== $suite: chroot $root (mirror $MIRROR)"
  if [ ! -e "$root/.guotukit-ready" ]; then
    { command -v debootstrap >/dev/null || $SUDO apt-get install -y -qq debootstrap >/dev/null; } &&
    $SUDO mkdir -p "$root" &&
    { [ -x "$root/usr/bin/apt-get" ] || $SUDO debootstrap --variant=minbase --include=ca-certificates,make,sudo "$suite" "$root" "$MIRROR"; } &&
    $SUDO cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt" &&
    $SUDO cp /etc/resolv.conf "$root/etc/resolv.conf" &&
    # a mirror snapshot older than sid's Valid-Until would stop apt; the matrix only needs the packages
    echo 'Acquire::Check-Valid-Until "false";' | $SUDO tee "$root/etc/apt/apt.conf.d/99guotukit-matrix" >/dev/null &&
    $SUDO touch "$root/.guotukit-ready" || { echo "== $suite: cannot build the chroot here"; exit 2; }
  fi
  for fs in proc sys dev dev/pts; do
    mountpoint -q "$root/$fs" || $SUDO mount --bind "/$fs" "$root/$fs" || { echo "== $suite: cannot mount /$fs"; exit 2; }
  done
  $SUDO rm -rf "$root/root/guotukit" && $SUDO mkdir -p "$root/root/guotukit"
  (cd "$ROOT_DIR" && git ls-files -co --exclude-standard | tar -cf - -T -) | $SUDO tar -xf - -C "$root/root/guotukit"
  if $SUDO chroot "$root" /bin/bash -lc 'cd /root/guotukit && export LANG=C.UTF-8 && make test'; then
    echo "== $suite: make test passed"
  else
    echo "== $suite: make test FAILED"; status=1
  fi
  for fs in dev/pts dev sys proc; do $SUDO umount "$root/$fs" 2>/dev/null || true; done
done
exit $status

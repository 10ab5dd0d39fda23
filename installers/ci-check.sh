#!/usr/bin/env bash
# Installer check, run by .ci/run after the tests (root, fresh Debian/Ubuntu, no display):
# builds the .deb, installs it with dpkg, opens the installed app under Xvfb with the fixture model
# and checks that the window loaded it, runs the installed `lucid generate`, then uninstalls and
# checks that nothing is left behind.
#   installers/ci-check.sh            (LUCID_SHARED=/path/to/shared when it is not ../shared)
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$root"
shared="${LUCID_SHARED:-$root/../shared}"
model="$shared/models/stories260k.gguf"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

step() { echo "== installers: $*"; }
fail() { echo "installers check FAILED: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "run as root: it installs and removes a .deb"
[ -f "$model" ] || fail "no fixture model at $model (set LUCID_SHARED)"

# jpackage needs fakeroot for a .deb; the app needs GTK and, without a display, Xvfb.
need=()
for p in fakeroot xvfb xauth libgtk-3-0; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  step "apt-get install ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

step "build the .deb (the README's installer command, .deb only)"
# gzip instead of dpkg-deb's default xz: the same package, minutes faster to compress on 2 cores.
# The release build (./mvnw -Pinstallers -DskipTests package) keeps xz.
start=$(date +%s)
DPKG_DEB_COMPRESSOR_TYPE=gzip ./mvnw -B -q -Pinstallers -DskipTests -pl installers -am package \
  -Dlucid.installer.types=deb
deb=$(ls installers/target/installers/lucid_*_amd64.deb)
echo "built $deb ($(stat -c %s "$deb") bytes) in $(( $(date +%s) - start )) s"

if dpkg -s lucid >/dev/null 2>&1; then
  step "remove a Lucid installed earlier"
  dpkg --purge lucid >/dev/null
fi

step "install with dpkg (its Depends from apt first: dpkg itself does not fetch)"
deps=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/[[:space:]]//g; s/(.*)//' | grep -v '^$')
missing=()
for d in $deps; do dpkg -s "$d" >/dev/null 2>&1 || missing+=("$d"); done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
dpkg -i "$deb"

step "desktop integration"
[ "$(readlink /usr/bin/lucid)" = /opt/lucid/bin/Lucid ] || fail "/usr/bin/lucid does not point at /opt/lucid/bin/Lucid"
[ "$(command -v lucid)" = /usr/bin/lucid ] || fail "lucid is not on PATH"
desktop=/usr/share/applications/lucid-Lucid.desktop
[ -f "$desktop" ] || fail "no menu entry at $desktop"
grep -qx 'Exec=/opt/lucid/bin/Lucid %f' "$desktop" || fail "the menu entry does not pass the opened file: $(grep Exec "$desktop")"
grep -qx 'MimeType=application/x-gguf' "$desktop" || fail "the menu entry does not open .gguf files"
[ -f /usr/share/mime/packages/lucid-Lucid-MimeInfo.xml ] || fail ".gguf MIME type not registered"
grep -q 'glob pattern="\*.gguf"' /usr/share/mime/packages/lucid-Lucid-MimeInfo.xml || fail "MIME type has no *.gguf glob"
[ -f /usr/share/mime/application/x-gguf.xml ] || fail "the MIME database was not updated with application/x-gguf"
# What a file manager asks when a .gguf file is double-clicked:
[ "$(xdg-mime query default application/x-gguf)" = lucid-Lucid.desktop ] || fail "Lucid is not the default application for .gguf"
# The PNG's IHDR width: 512 px is Lucid's icon, jpackage's stand-in Java icon is 32 px.
width=$(od -An -tx1 -j16 -N4 /opt/lucid/lib/Lucid.png | tr -d ' \n')
[ "$width" = 00000200 ] || fail "the app icon is not Lucid's 512 px icon (width 0x$width)"

# A scratch home for the app's runs: the user's CDS archive and conversations go there, not into root's home.
export HOME="$work/home" XDG_DATA_HOME="$work/home/.local/share"
mkdir -p "$HOME"
archive="$HOME/.cache/lucid/lucid-$(dpkg-deb -f "$deb" Version | sed 's/-.*//').jsa"

step "the installed app opens the model in its window (Xvfb)"
shot="$work/window.png"
out=$(xvfb-run -a /opt/lucid/bin/Lucid --model "$model" --screenshot "$shot" --exit 2>&1) \
  || fail "the app exited with an error: $out"
grep -qx 'lucid: model loaded: stories260k.gguf' <<<"$out" || fail "the window did not report the loaded model: $out"
[ "$(head -c 8 "$shot" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "no PNG screenshot at $shot"
echo "window: model loaded, screenshot $(stat -c %s "$shot") bytes"

step "the installed command line"
story=$(lucid generate --model "$model" --prompt "Once upon a time" --temp 0 --max-tokens 40 2>/dev/null)
echo "lucid generate: $story"
case "$story" in
  ", there was a little girl named Lily."*) ;;
  *) fail "lucid generate printed something else" ;;
esac

step "the first start wrote the user's class-data-sharing archive; the next start maps it"
[ -s "$archive" ] || fail "no CDS archive at $archive after the first start"
classes=$(JAVA_TOOL_OPTIONS="-Xlog:class+load=info" xvfb-run -a /opt/lucid/bin/Lucid --model "$model" --exit 2>&1) \
  || fail "the second start failed: $(echo "$classes" | tail -5)"
from_archive=$(grep -c 'source: shared objects file (top)' <<<"$classes" || true)
# (grep reads a here-string: `echo | grep -q` fails under pipefail when grep stops reading early.)
grep -q 'lucid.app.DesktopApp source: shared objects file (top)' <<<"$classes" \
  || fail "the second start did not load the app's classes from $archive ($from_archive classes did)"
echo "second start: $from_archive classes from the user's archive $(stat -c %s "$archive") bytes"

step "uninstall (dpkg --purge: nothing of the package may stay)"
dpkg --purge lucid
[ ! -e /opt/lucid ] || fail "/opt/lucid is left after dpkg --purge"
[ ! -e /usr/bin/lucid ] && [ ! -L /usr/bin/lucid ] || fail "/usr/bin/lucid is left after dpkg --purge"
[ ! -e "$desktop" ] || fail "$desktop is left after dpkg --purge"
[ ! -e /usr/share/mime/packages/lucid-Lucid-MimeInfo.xml ] || fail "the MIME type is left after dpkg --purge"
[ ! -e /usr/share/mime/application/x-gguf.xml ] || fail "the MIME database still has application/x-gguf after dpkg --purge"
if grep -q lucid-Lucid /usr/share/applications/defaults.list 2>/dev/null; then fail "Lucid is still the .gguf default after dpkg --purge"; fi

echo "installers check passed"

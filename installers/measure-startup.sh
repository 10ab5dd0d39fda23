#!/usr/bin/env bash
# Start-up of an installed Lucid: milliseconds from starting the launcher process to the window's
# first frame, median of N runs each of three kinds of start:
#   archive  the usual start: the user's CDS archive of the app's classes exists (written by an earlier start)
#   first    the first start after installing: no archive yet (the JVM writes it when this start exits)
#   nocds    no class-data sharing at all (-Xshare:off), not even the runtime's archive of the JDK classes
#   installers/measure-startup.sh [LAUNCHER] [MODEL] [N]
# LAUNCHER defaults to /opt/lucid/bin/Lucid (the .deb/.rpm), e.g. installers/target/app-image/Lucid/bin/Lucid.
#
# "First frame" is JavaFX's own performance log (-Dsun.perflog): its "Scene - first repaint" event,
# stamped in epoch milliseconds when the first pulse renders the scene. The start is taken by this
# script just before exec, so the launcher, JVM start, class loading and JavaFX start-up all count.
# Each run opens the window with MODEL, as a double-click on a model does, and exits once it is
# loaded (--exit). Without a display the runs go through xvfb-run. The runs use a scratch HOME, so
# neither the user's archive nor their conversations are touched.
set -euo pipefail
launcher="${1:-/opt/lucid/bin/Lucid}"
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
model="${2:-${LUCID_SHARED:-$root/../shared}/models/stories260k.gguf}"
runs="${3:-5}"
[ -x "$launcher" ] || { echo "no launcher at $launcher" >&2; exit 1; }

x=()
if [ -z "${DISPLAY:-}" ]; then x=(xvfb-run -a); fi

home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
# The launcher's .cfg puts the archive in $HOME/.cache/lucid (Linux) or $HOME/Library/Caches/Lucid (macOS).
forget_archive() { rm -rf "$home/.cache/lucid" "$home/Library/Caches/Lucid"; }

# One start; prints its milliseconds to first frame. $1 = extra JVM options.
one() {
  local log t0 line
  log=$(mktemp)
  # xvfb-run's own start (Xvfb) is outside the measured span: the stamp is taken inside it.
  "${x[@]}" bash -c 't0=$(date +%s%3N); echo "start $t0"; exec "$@"' _ \
    env HOME="$home" XDG_DATA_HOME="$home/.local/share" JAVA_TOOL_OPTIONS="-Dsun.perflog=true -Dsun.perflog.fx.firstpaintflush=true $1" \
    "$launcher" --model "$model" --exit >"$log" 2>&1 || { cat "$log" >&2; rm -f "$log"; return 1; }
  t0=$(sed -n 's/^start \([0-9]*\)$/\1/p' "$log")
  line=$(grep -m1 'Scene - first repaint (' "$log" | sed 's/.*: \([0-9]*\)$/\1/')
  rm -f "$log"
  [ -n "$t0" ] && [ -n "$line" ] || { echo "no first-frame event in the log" >&2; return 1; }
  echo $(( line - t0 ))
}

median() { sort -n | awk '{a[NR]=$1} END{print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

one "" >/dev/null  # warm the OS file cache once (and write the archive), so every series reads cached files
modes=(archive first nocds)
declare -A all label
label[archive]="with the user's archive of the app's classes (every start after the first)"
label[first]="first start after installing (no archive yet; it is written when this start exits)"
label[nocds]="without any class-data sharing (-Xshare:off)"
for mode in "${modes[@]}"; do all[$mode]=""; done
# Interleaved, so that a busy machine slows every series alike. "archive" runs right after "first",
# which wrote the archive it maps.
for i in $(seq "$runs"); do
  forget_archive
  all[first]+="$(one "") "
  all[archive]+="$(one "") "
  all[nocds]+="$(one "-Xshare:off") "
done
for mode in "${modes[@]}"; do
  m=$(echo "${all[$mode]}" | tr ' ' '\n' | grep -v '^$' | median)
  echo "first frame, ${label[$mode]}: median ${m} ms of $runs (runs: ${all[$mode]% })"
done

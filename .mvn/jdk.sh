# Sourced by ./lucid and .ci/run: makes JAVA_HOME point at a JDK 25 or newer.
# Order: $JAVA_HOME if it is new enough, `java` on PATH, then the usual JVM folders of
# Linux, macOS and SDKMAN. Prints a clear message and fails when none is found.

lucid_java_major() {  # $1 = a java executable; prints its feature version (17, 25, ...)
  "$1" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}

lucid_find_jdk() {
  local candidates=() c major
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  for c in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* \
           /Library/Java/JavaVirtualMachines/*/Contents/Home "$HOME"/.sdkman/candidates/java/*; do
    [ -d "$c" ] && candidates+=("$c")
  done
  for c in "${candidates[@]}"; do
    [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
    major=$(lucid_java_major "$c/bin/java")
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then
      echo "$c"
      return 0
    fi
  done
  return 1
}

if ! LUCID_JDK=$(lucid_find_jdk); then
  echo "Lucid needs a JDK 25 or newer and found none (looked at JAVA_HOME, PATH and the usual JVM folders)." >&2
  echo "Install one (for example Eclipse Temurin 25) and set JAVA_HOME to it." >&2
  return 1 2>/dev/null || exit 1
fi
export JAVA_HOME="$LUCID_JDK"

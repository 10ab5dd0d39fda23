# Sourced by ./mvnw, ./lucid and .ci/run (POSIX sh): makes JAVA_HOME point at a JDK 25 or newer.
# Order: $JAVA_HOME if it is new enough, `java` on PATH, then the usual JVM folders of Linux,
# macOS and SDKMAN. Fails with a clear message when none is found.

lucid_java_major() {  # $1 = a java executable; prints its feature version (17, 25, ...)
  "$1" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}

lucid_is_jdk25() {  # $1 = a JDK folder
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 1
  lucid_major=$(lucid_java_major "$1/bin/java")
  [ -n "$lucid_major" ] && [ "$lucid_major" -ge 25 ]
}

lucid_find_jdk() {
  if [ -n "${JAVA_HOME:-}" ] && lucid_is_jdk25 "$JAVA_HOME"; then
    echo "$JAVA_HOME"; return 0
  fi
  if command -v java >/dev/null 2>&1; then
    lucid_c=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
    if lucid_is_jdk25 "$lucid_c"; then echo "$lucid_c"; return 0; fi
  fi
  for lucid_c in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* \
                 /Library/Java/JavaVirtualMachines/*/Contents/Home "$HOME"/.sdkman/candidates/java/*; do
    if [ -d "$lucid_c" ] && lucid_is_jdk25 "$lucid_c"; then echo "$lucid_c"; return 0; fi
  done
  return 1
}

if LUCID_JDK=$(lucid_find_jdk); then
  JAVA_HOME="$LUCID_JDK"
  export JAVA_HOME
else
  echo "Lucid needs a JDK 25 or newer and found none (looked at JAVA_HOME, PATH and the usual JVM folders)." >&2
  echo "Install one (for example Eclipse Temurin 25) and set JAVA_HOME to it." >&2
  return 1 2>/dev/null || exit 1
fi

# Sourced by scripts/test and ./jthin: picks JDK 25 (BUILD-NOTES "Java 25, always").
# The version comes from the JDK's `release` file (JAVA_VERSION="25.0.3"): starting a JVM to ask
# would add ~0.1 s to every ./jthin run. A JDK without that file is asked the slow way.
jthin_jdk_feature() {
  local v
  v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null)
  if [ -z "$v" ]; then
    v=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  fi
  echo "$v"
}
jthin_select_jdk() {
  local v
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    v=$(jthin_jdk_feature "$JAVA_HOME")
    if [ -n "$v" ] && [ "$v" -ge 25 ] 2>/dev/null; then export JAVA_HOME; return 0; fi
  fi
  if [ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]; then
    export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
    return 0
  fi
  echo "jthin needs JDK 25 or newer: set JAVA_HOME to one (expected at /usr/lib/jvm/temurin-25-jdk-amd64)" >&2
  return 1
}

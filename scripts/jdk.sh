# Sourced by scripts/test and ./jthin: picks JDK 25 (BUILD-NOTES "Java 25, always").
# The version comes from the JDK's `release` file (JAVA_VERSION="25.0.3"), read with bash builtins:
# starting a JVM to ask would add ~0.1 s to every ./jthin run, and even one sed in a command
# substitution costs ~10 ms here. A JDK without that file is asked the slow way.
# jthin_jdk_feature HOME: sets jthin_feature to HOME's Java feature version ("" when unknown).
jthin_jdk_feature() {
  local line
  jthin_feature=""
  if [ -r "$1/release" ]; then
    while IFS= read -r line || [ -n "$line" ]; do
      case "$line" in
        JAVA_VERSION=*) line=${line#JAVA_VERSION=}; line=${line#\"}; jthin_feature=${line%%[!0-9]*}; break ;;
      esac
    done <"$1/release"
  fi
  if [ -z "$jthin_feature" ]; then
    jthin_feature=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  fi
}
jthin_select_jdk() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    jthin_jdk_feature "$JAVA_HOME"
    if [ -n "$jthin_feature" ] && [ "$jthin_feature" -ge 25 ] 2>/dev/null; then export JAVA_HOME; return 0; fi
  fi
  if [ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]; then
    export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
    return 0
  fi
  echo "jthin needs JDK 25 or newer: set JAVA_HOME to one (expected at /usr/lib/jvm/temurin-25-jdk-amd64)" >&2
  return 1
}

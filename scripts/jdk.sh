# Sourced by scripts/test and ./jthin: picks JDK 25 (BUILD-NOTES "Java 25, always").
jthin_select_jdk() {
  local v
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    v=$("$JAVA_HOME/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
    if [ -n "$v" ] && [ "$v" -ge 25 ] 2>/dev/null; then export JAVA_HOME; return 0; fi
  fi
  if [ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]; then
    export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
    return 0
  fi
  echo "jthin needs JDK 25 or newer: set JAVA_HOME to one (expected at /usr/lib/jvm/temurin-25-jdk-amd64)" >&2
  return 1
}

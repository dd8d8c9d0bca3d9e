# Shell helpers shared by the kcat-driven compatibility scripts (kcat.sh,
# tiered.sh). Source it after setting NAME, the prefix of every line printed.

# log <words...>: one line of progress.
log() { echo "$NAME: $*"; }

# fail <message> [stderr-file]: report, quoting librdkafka's log once per distinct line.
fail() {
  echo "$NAME: FAIL: $1" >&2
  if [ -n "${2:-}" ] && [ -s "$2" ]; then
    echo "$NAME:   kcat/librdkafka stderr (distinct lines, count):" >&2
    sed -E 's/^%[0-9]\|[0-9.]+\|/%/; s/#(producer|consumer)-[0-9]+//' "$2" | sort | uniq -c | sort -rn | head -8 | sed "s/^/$NAME:     /" >&2
  fi
  exit 1
}

# case_ <name> <command...>: runs one case in a subshell, so that fail() ends
# the case, not the script; counts it in $passed or names it in $failures.
passed=0
failures=()
case_() {
  local name=$1
  shift
  if ("$@"); then
    passed=$((passed + 1))
  else
    failures+=("$name")
  fi
}

# Shared helpers for scripts/test and scripts/demo: progress lines and the project's .venv.
# Sourced (not run) by those scripts after they cd to the repo root.
# shellcheck shell=bash

VENV_DIR=.venv
TEST_STAMP="$VENV_DIR/.chmgen-test-stamp"
DEMO_STAMP="$VENV_DIR/.chmgen-demo-stamp"

log() { printf '==> %s\n' "$*"; }

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# The stamp content: the hash of pyproject.toml, so any change to dependencies reinstalls.
pyproject_hash() { sha256sum pyproject.toml | cut -d' ' -f1; }

stamp_matches() { [ -f "$1" ] && [ "$(cat "$1")" = "$(pyproject_hash)" ]; }

# ensure_venv test|demo: create .venv if needed and install the package (with the test
# extras for "test") unless the matching stamp says it is already up to date.
# A current test stamp also satisfies "demo", since '.[test]' includes everything '.' does.
ensure_venv() {
  local kind=$1 spec stamp
  case "$kind" in
    test) spec='.[test]' stamp=$TEST_STAMP ;;
    demo) spec='.' stamp=$DEMO_STAMP ;;
    *) die "ensure_venv: unknown kind '$kind'" ;;
  esac

  if [ ! -x "$VENV_DIR/bin/python" ]; then
    log "creating $VENV_DIR"
    "${PYTHON:-python3}" -m venv "$VENV_DIR"
  elif ! "$VENV_DIR/bin/python" -c '' 2>/dev/null; then
    log "recreating broken $VENV_DIR"
    "${PYTHON:-python3}" -m venv --clear "$VENV_DIR"
    rm -f "$TEST_STAMP" "$DEMO_STAMP"
  fi

  if stamp_matches "$stamp" || { [ "$kind" = demo ] && stamp_matches "$TEST_STAMP"; }; then
    log "python packages up to date ($spec)"
    return 0
  fi

  log "installing python packages: pip install -e '$spec'"
  "$VENV_DIR/bin/python" -m pip install -qq --disable-pip-version-check -e "$spec"
  pyproject_hash >"$stamp"
}

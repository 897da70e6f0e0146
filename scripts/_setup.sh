# Shared by scripts/run.sh and scripts/test.sh: a virtual environment with the Python packages, and Bootstrap
# from the npm registry. Quick when everything is already there.
# System packages from Debian, installed only when missing and only where we may (root with apt-get).
need_apt=()
command -v pg_config >/dev/null 2>&1 || need_apt+=(libpq-dev)
if [ "${COPROD_NEEDS_BROWSER:-0}" = 1 ] && [ ! -x /usr/bin/chromium ]; then need_apt+=(chromium); fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing ${need_apt[*]} from Debian's packages"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "Please install these system packages first: ${need_apt[*]}" >&2
    exit 1
  fi
fi

PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
VENV="${VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  echo "Creating a virtual environment in $VENV with $("$PYTHON" --version)"
  "$PYTHON" -m venv "$VENV"
fi
stamp="$VENV/.coprod-installed"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "Installing Python packages (a minute on a fresh machine)"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -e ".[dev]"
  touch "$stamp"
fi
if [ ! -f node_modules/bootstrap/dist/css/bootstrap.min.css ] || [ package.json -nt node_modules/bootstrap/package.json ]; then
  echo "Installing Bootstrap from the npm registry"
  npm install --no-audit --no-fund --silent
fi
mkdir -p var

# Sourced by the scripts that install what they need: one way to install
# Debian packages, as root or through sudo.
#
#   apt_install [apt-get install options] PACKAGE...
#
# Returns 1 (installing nothing) on a machine without apt-get, or as a user
# without sudo, so the caller can say what to install by hand.
apt_install() {
  command -v apt-get >/dev/null 2>&1 || return 1
  local sudo="" packages=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || {
      echo "cannot install packages: not root and sudo is missing (run as root, or install sudo)" >&2
      return 1
    }
    sudo="sudo"
  fi
  for arg in "$@"; do [[ $arg == -* ]] || packages+=("$arg"); done
  echo "installing ${packages[*]} with apt-get..." >&2
  $sudo apt-get update -qq || return 1
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

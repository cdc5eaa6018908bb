# Sourced by the scripts that install what they need: one way to install
# Debian packages, as root or through sudo.
#
#   apt_install [apt-get install options] PACKAGE...
#
# Returns 1 (installing nothing) on a machine without apt-get, so the caller
# can say what to install by hand.
apt_install() {
  command -v apt-get >/dev/null 2>&1 || return 1
  local sudo="" packages=()
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  for arg in "$@"; do [[ $arg == -* ]] || packages+=("$arg"); done
  echo "installing ${packages[*]} with apt-get..." >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

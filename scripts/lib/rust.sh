# Sourced by the scripts that build Faultline: `ensure_rust` puts a Rust
# toolchain at least as new as Cargo.toml's rust-version on PATH, installing
# one with rustup (stable, default profile: cargo, rustfmt, clippy) when
# cargo is missing or too old. Debian's own rustc is usually too old for
# edition 2024.
ensure_rust() {
  local want have
  want=$(sed -n 's/^rust-version *= *"\([0-9.]*\)".*/\1/p' Cargo.toml)
  [ -f "$HOME/.cargo/env" ] && source "$HOME/.cargo/env"
  have=$(rustc --version 2>/dev/null | awk '{print $2}')
  if [ -n "$have" ] && [ "$(printf '%s\n%s\n' "$want" "$have" | sort -V | head -1)" = "$want" ]; then
    return 0
  fi
  if command -v rustup >/dev/null 2>&1; then
    echo "rustc ${have:-none} is older than the $want Faultline needs: updating the stable toolchain..." >&2
    rustup toolchain install stable --profile default && rustup default stable
    return
  fi
  echo "installing Rust (stable) with rustup: Faultline needs rustc $want or newer, found ${have:-none}..." >&2
  local need=()
  command -v curl >/dev/null 2>&1 || need+=(curl ca-certificates)
  command -v cc >/dev/null 2>&1 || need+=(build-essential)
  if [ ${#need[@]} -gt 0 ]; then
    source scripts/lib/apt.sh
    apt_install "${need[@]}" || {
      echo "missing: ${need[*]}; install them, then Rust from https://rustup.rs" >&2
      return 1
    }
  fi
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile default >&2 || return 1
  source "$HOME/.cargo/env"
}

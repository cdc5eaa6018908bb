//! `faultline`: see `faultline --help` and the README.

use clap::Parser;

// A service that allocates per request and per Redis reply: mimalloc's
// thread caches beat glibc malloc under many small, short-lived allocations.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = faultline::cli::Cli::parse();
    match faultline::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("faultline: {e:#}");
            // A command that found a problem says which (`replay`'s verdicts).
            match e.downcast_ref::<faultline::cli::Finding>() {
                Some(finding) => std::process::ExitCode::from(finding.status),
                None => std::process::ExitCode::FAILURE,
            }
        }
    }
}

//! `faultline`: see `faultline --help` and the README.

use clap::Parser;

// The analyser allocates many small strings and nodes while parsing large
// specs; mimalloc is markedly faster than the system allocator at that and
// keeps peak memory lower.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = faultline::cli::Cli::parse();
    match faultline::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("faultline: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

//! `faultline`: see `faultline --help` and the README.

use clap::Parser;

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

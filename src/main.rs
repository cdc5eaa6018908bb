//! `faultline`: see `faultline --help` and the README.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = faultline::cli::Cli::parse();
    match faultline::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("faultline: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

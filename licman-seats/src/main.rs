//! `licman-seats`: see `licman-seats --help`.

use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser as _;
use licman_seats::cli::{Cli, run};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are not usage errors.
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            // With --json, a usage error is also the JSON contract's error
            // object on stdout.
            if code != 0 && std::env::args_os().skip(1).any(|a| a == "--json") {
                let rendered = e.render().to_string();
                let message = rendered
                    .trim()
                    .trim_start_matches("error: ")
                    .lines()
                    .take_while(|line| !line.trim().is_empty())
                    .map(str::trim)
                    .collect::<Vec<_>>()
                    .join(" ");
                print(
                    &serde_json::json!({"error": {"code": "usage", "message": message}})
                        .to_string(),
                );
            }
            return ExitCode::from(code);
        }
    };
    match run(&cli) {
        Ok(output) => {
            if cli.json {
                print(&output.json.to_string());
            } else if !output.text.is_empty() {
                print(&output.text);
            }
            ExitCode::SUCCESS
        }
        Err(failure) => {
            if cli.json {
                print(&failure.to_json().to_string());
            }
            eprintln!("licman-seats: {}", failure.message);
            ExitCode::from(1)
        }
    }
}

/// Prints a line; a reader that went away (`| head`) is not an error, and
/// the command's work is done either way.
fn print(text: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{text}");
}

//! The `licman-keygen` binary (see the library crate and docs/KEYGEN.md).

fn main() -> std::process::ExitCode {
    licman_keygen::run_cli()
}

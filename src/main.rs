//! The `attrition` binary: parse the command line, call the library, map errors to
//! exit codes. Everything else lives in `cli/` and the library.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}

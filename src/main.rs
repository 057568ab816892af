use std::process::ExitCode;

fn main() -> ExitCode {
    kefu::cli::main()
}

use clap::Parser;

mod cli;

fn main() {
    // Mesa's Vulkan drivers print "error: XDG_RUNTIME_DIR is invalid" on headless machines while
    // probing display sockets that compute never uses; pointing it at the temp dir silences that.
    // Done first, before any thread exists.
    if std::env::var_os("XDG_RUNTIME_DIR").is_none() {
        std::env::set_var("XDG_RUNTIME_DIR", std::env::temp_dir());
    }
    let args = cli::Cli::parse();
    if let Err(err) = cli::run(args) {
        eprintln!("hopsom: error: {err}");
        std::process::exit(err.exit_code());
    }
}

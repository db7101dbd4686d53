// Every line on stdout and stderr goes through `cli::stdout`, which cannot panic on a closed pipe
// or a full disk.
#![deny(clippy::print_stdout, clippy::print_stderr)]

use clap::Parser;

mod cli;

use cli::stdout::{is_closed_stdout, notice};

/// The exit status a Unix tool has when the reader of its output went away (128 + SIGPIPE).
const CLOSED_PIPE_STATUS: i32 = 141;

fn main() {
    // Mesa's Vulkan drivers print "error: XDG_RUNTIME_DIR is invalid" on headless machines while
    // probing display sockets that compute never uses; pointing it at the temp dir silences that.
    // Done first, before any thread exists.
    if std::env::var_os("XDG_RUNTIME_DIR").is_none() {
        std::env::set_var("XDG_RUNTIME_DIR", std::env::temp_dir());
    }
    remove_temporaries_on_signals();
    let args = match cli::Cli::try_parse() {
        Ok(args) => args,
        Err(err) => std::process::exit(report_usage_error(&err)),
    };
    let status = match cli::run(args) {
        Ok(()) => {
            cli::print_held_notices();
            0
        }
        Err(err) if is_closed_stdout(&err) => CLOSED_PIPE_STATUS,
        Err(err) => {
            // One line, whatever the message holds.
            let message = err
                .message_with(cli::spell_parameter)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            notice(format_args!("error: {message}"));
            err.exit_code()
        }
    };
    if status != 0 {
        hopsom::io::output::remove_created_empty_dirs();
    }
    std::process::exit(status);
}

/// Help and version go to stdout in full; a usage error is one line on stderr, with where to
/// look for help.
fn report_usage_error(err: &clap::Error) -> i32 {
    use clap::error::ErrorKind;
    match err.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => match err.print() {
            // clap colours the text only for a terminal.
            Ok(()) => 0,
            Err(failure) if failure.kind() == std::io::ErrorKind::BrokenPipe => CLOSED_PIPE_STATUS,
            Err(failure) => {
                notice(format_args!("error: standard output: {failure}"));
                1
            }
        },
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            notice(format_args!("error: a subcommand is missing (see --help)"));
            2
        }
        _ => {
            let rendered = err.render().to_string();
            let mut lines = rendered.lines();
            let mut first = lines
                .next()
                .unwrap_or("invalid arguments")
                .trim_start_matches("error: ")
                .to_string();
            // "the following required arguments were not provided:" lists them on indented
            // lines: keep them on the one line.
            if first.ends_with(':') {
                let listed: Vec<&str> = lines
                    .take_while(|line| line.starts_with(' '))
                    .map(str::trim)
                    .collect();
                first = format!("{first} {}", listed.join(", "));
            }
            notice(format_args!("error: {first} (see --help)"));
            2
        }
    }
}

/// SIGINT, SIGTERM and SIGHUP remove the temporary files being written (and the empty
/// directories this run created) before the process exits with 128 + the signal's number, as a
/// shell reports a process ended by it. Without this, a signal ends the process before any
/// destructor runs and `.hopsom-*` files stay behind.
fn remove_temporaries_on_signals() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return;
    };
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            let _held = hopsom::io::output::remove_temporaries_and_hold();
            // `_exit`: no atexit handlers, which may wait for a GPU driver still at work.
            signal_hook::low_level::exit(128 + signal);
        }
    });
}

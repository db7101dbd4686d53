//! The one error type of the library. The command line maps it to exit codes:
//! [`Error::Usage`] and [`Error::Parameter`] are 2 (a bad invocation), everything else is 1.
//!
//! The library knows no command line: a parameter out of range is an [`Error::Parameter`] naming
//! a [`Param`], and each front end spells the name its own way ([`Error::message_with`]): the
//! command line as `--max-sweeps 0`, Python as `max_sweeps=0`.

use std::path::PathBuf;

/// Everything that can go wrong in hopsom, each with a one-line message that names the problem.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The arguments are inconsistent (exit code 2).
    #[error("{0}")]
    Usage(String),
    /// One parameter's value is out of range or does not fit the others (exit code 2):
    /// `value` as given (empty where the parameter is a switch) and what is `allowed`.
    #[error("{}", parameter_line(&format!("{param} {value}"), allowed))]
    Parameter {
        param: Param,
        value: String,
        allowed: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file was read but its content is not what it should be.
    #[error("{path}: {message}")]
    BadInput { path: PathBuf, message: String },
    /// Data given in memory (not from a file) is malformed.
    #[error("{0}")]
    InvalidData(String),
    /// The problem does not fit in host or device memory, or in the integer ranges the kernels use.
    #[error("too large: {0}")]
    TooLarge(String),
    /// [`Error::TooLarge`], where one parameter's value is what asks for too much.
    #[error("{}", parameter_line(&format!("{param} {value}"), &format!("too large: {message}")))]
    ParameterTooLarge {
        param: Param,
        value: String,
        message: String,
    },
    /// The GPU backend was asked for but no adapter could be found or opened.
    #[error("no GPU adapter: {0}")]
    NoAdapter(String),
    /// The GPU reported a failure while running a kernel.
    #[error("GPU failure: {0}")]
    Gpu(String),
    /// The caller asked the work to stop (see [`crate::Progress::cancelled`]).
    #[error("interrupted")]
    Interrupted,
    /// Drawing a picture or plot failed.
    #[error("drawing {path}: {message}")]
    Render { path: PathBuf, message: String },
}

impl Error {
    /// The process exit code the command line uses for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) | Error::Parameter { .. } => 2,
            Error::Interrupted => 130,
            _ => 1,
        }
    }

    /// An [`Error::Io`] on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// An [`Error::Parameter`]: `param` was given `value`, and `allowed` says what it takes.
    pub fn parameter(param: Param, value: impl ToString, allowed: impl Into<String>) -> Self {
        Error::Parameter {
            param,
            value: value.to_string(),
            allowed: allowed.into(),
        }
    }

    /// The one-line message, with a parameter and its value written by `spell` (which gets the
    /// value empty for a switch); every other error's message as it is.
    pub fn message_with(&self, spell: impl Fn(Param, &str) -> String) -> String {
        match self {
            Error::Parameter {
                param,
                value,
                allowed,
            } => parameter_line(&spell(*param, value), allowed),
            Error::ParameterTooLarge {
                param,
                value,
                message,
            } => parameter_line(&spell(*param, value), &format!("too large: {message}")),
            other => other.to_string(),
        }
    }

    /// An [`Error::BadInput`]: `path` was read, but its content is wrong in the way `message` says.
    pub fn bad_input(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::BadInput {
            path: path.into(),
            message: message.into(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

fn parameter_line(named: &str, allowed: &str) -> String {
    format!("{}: {allowed}", named.trim_end())
}

/// Declares [`Param`] with each parameter's snake-case name, and [`Param::ALL`].
macro_rules! params {
    ($($param:ident => $name:literal),+ $(,)?) => {
        /// The parameters the library checks, by the names of its API and of the specs' options
        /// (`lr` is the learning rate). Front ends spell them their own way: `--lr-end` on the
        /// command line, `lr_end=` in Python.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Param {
            $($param),+
        }

        impl Param {
            /// Every parameter, for front ends that check they can spell each one.
            pub const ALL: &'static [Param] = &[$(Param::$param),+];

            /// The parameter's name in snake case, as the specs and the Python package's keyword
            /// arguments spell it.
            pub fn name(self) -> &'static str {
                match self {
                    $(Param::$param => $name),+
                }
            }
        }
    };
}

params! {
    Backend => "backend",
    Beta => "beta",
    Colors => "colors",
    Cutoff => "cutoff",
    Dim => "dim",
    Epochs => "epochs",
    ExtraWinnerUpdate => "extra_winner_update",
    Interaction => "interaction",
    Iterations => "iterations",
    KeepDiagonal => "keep_diagonal",
    Levels => "levels",
    Loads => "loads",
    Lr => "lr",
    LrEnd => "lr_end",
    MaxSteps => "max_steps",
    MaxSweeps => "max_sweeps",
    Mode => "mode",
    Neighbourhood => "neighbourhood",
    Neurons => "neurons",
    Noise => "noise",
    Schedule => "schedule",
    Sigma => "sigma",
    SigmaEnd => "sigma_end",
    Shuffle => "shuffle",
    Size => "size",
    Steps => "steps",
    Tau => "tau",
    Temperature => "temperature",
    Threshold => "threshold",
    Tolerance => "tolerance",
    Trajectory => "trajectory",
    Trials => "trials",
    Weights => "weights",
}

impl std::fmt::Display for Param {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_spelled_by_the_front_end() {
        let error = Error::parameter(Param::MaxSweeps, 0, "must be at least 1");
        assert_eq!(error.to_string(), "max_sweeps 0: must be at least 1");
        let cli = error.message_with(|p, v| format!("--{} {v}", p.name().replace('_', "-")));
        assert_eq!(cli, "--max-sweeps 0: must be at least 1");
        let switch = Error::parameter(Param::KeepDiagonal, "", "applies to one rule");
        assert_eq!(switch.to_string(), "keep_diagonal: applies to one rule");
        assert_eq!(
            Error::Usage("plain".into()).message_with(|_, _| unreachable!()),
            "plain"
        );
    }
}

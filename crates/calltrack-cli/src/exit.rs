//! How a command ends: the exit codes outside tools rely on (DESIGN: Interfaces).

use std::fmt;
use std::process::ExitCode;

/// A command's failure, carrying its exit code: 2 usage, 3 refused, 4 invalid input, 1 other.
#[derive(Debug)]
pub enum Failure {
    /// The command line itself is wrong.
    Usage(String),
    /// A signature or credential was refused.
    Refused(String),
    /// The input (a payload, a file, a value) is invalid.
    Invalid(String),
    /// Anything else: a store or dependency failure, a bug.
    Other(anyhow::Error),
}

impl Failure {
    pub fn code(&self) -> ExitCode {
        ExitCode::from(match self {
            Self::Usage(_) => 2,
            Self::Refused(_) => 3,
            Self::Invalid(_) => 4,
            Self::Other(_) => 1,
        })
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Usage(m) => write!(f, "usage: {m}"),
            Self::Refused(m) => write!(f, "refused: {m}"),
            Self::Invalid(m) => write!(f, "invalid input: {m}"),
            Self::Other(e) => write!(f, "error: {e:#}"),
        }
    }
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(e: E) -> Self {
        Self::Other(e.into())
    }
}

/// What every subcommand returns.
pub type CmdResult = Result<(), Failure>;

/// Prints exactly one JSON document on stdout (the `--json` contract). A reader that closed
/// the pipe early (`| head`) ends the command quietly instead of a panic.
pub fn print_json(v: &impl serde::Serialize) -> CmdResult {
    use std::io::Write;
    let s = serde_json::to_string_pretty(v).map_err(anyhow::Error::from)?;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{s}").and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other.map_err(anyhow::Error::from)?),
    }
}

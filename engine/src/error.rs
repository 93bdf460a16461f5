//! The engine's one error type.

use std::path::{Path, PathBuf};

/// Everything that can go wrong in the engine library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A configuration value is not acceptable.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A name (symbol, pair, interval) is not acceptable.
    #[error(transparent)]
    Id(#[from] spreadwatch_proto::IdError),
    /// The engine has stopped, so the request cannot be served.
    #[error("the engine has stopped")]
    Stopped,
    /// No such pair is analysed.
    #[error("unknown pair {0}")]
    UnknownPair(spreadwatch_proto::PairId),
    /// An estimator cannot run on the data given (too few points, constant
    /// input, a singular design).
    #[error("analysis: {0}")]
    Analysis(String),
    /// Uploaded or given data (CSV) is unusable; says where and why.
    #[error("{}", input_message(.file, .line, .column, .reason))]
    Input {
        /// The file (or upload) name.
        file: String,
        /// 1-based line, when known.
        line: Option<u64>,
        /// Column name, when known.
        column: Option<String>,
        /// What was wrong.
        reason: String,
    },
    /// A network operation failed.
    #[error("network: {0}")]
    Network(String),
    /// The state store failed or holds something unreadable.
    #[error("state store: {0}")]
    Store(String),
}

fn input_message(file: &str, line: &Option<u64>, column: &Option<String>, reason: &str) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!("{file}: line {l}, column {c}: {reason}"),
        (Some(l), None) => format!("{file}: line {l}: {reason}"),
        (None, Some(c)) => format!("{file}: column {c}: {reason}"),
        (None, None) => format!("{file}: {reason}"),
    }
}

impl Error {
    /// A problem with input data at a place in a file.
    pub fn input(
        file: &str,
        line: Option<u64>,
        column: Option<&str>,
        reason: impl Into<String>,
    ) -> Self {
        Error::Input {
            file: file.to_string(),
            line,
            column: column.map(str::to_string),
            reason: reason.into(),
        }
    }

    /// An I/O error on `path`.
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// An actor's mailbox is closed only when the engine is stopping.
impl From<actix::MailboxError> for Error {
    fn from(_: actix::MailboxError) -> Self {
        Error::Stopped
    }
}

/// The engine's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

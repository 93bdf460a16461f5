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
    /// An estimator cannot run on the data given (too few points, constant
    /// input, a singular design).
    #[error("analysis: {0}")]
    Analysis(String),
    /// A network operation failed.
    #[error("network: {0}")]
    Network(String),
}

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// The engine's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

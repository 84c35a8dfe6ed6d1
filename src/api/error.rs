//! The errors a resolver can answer with, and their `extensions.code`.
//!
//! `ApiError` deliberately does not implement `Display`: async-graphql
//! converts any `Display` type into an error without a code, and every
//! civgraph error must carry one. The conversion below sets it.

use async_graphql::ErrorExtensions;

/// What went wrong in a field, as a client can act on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// An argument is malformed or out of range (`extensions.code = "BAD_USER_INPUT"`).
    BadUserInput(String),
}

impl ApiError {
    /// A `BAD_USER_INPUT` error with this message.
    pub fn bad_input(message: impl Into<String>) -> ApiError {
        ApiError::BadUserInput(message.into())
    }

    /// The `extensions.code` of this error.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadUserInput(_) => "BAD_USER_INPUT",
        }
    }

    /// The message shown to the client.
    pub fn message(&self) -> &str {
        match self {
            ApiError::BadUserInput(m) => m,
        }
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(err: ApiError) -> Self {
        let code = err.code();
        async_graphql::Error::new(err.message()).extend_with(|_, e| e.set("code", code))
    }
}

/// The result of a resolver.
pub type ApiResult<T> = Result<T, async_graphql::Error>;

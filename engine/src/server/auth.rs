//! Access control: an optional bearer token and the WebSocket Origin check.

use actix_web::http::header;
use actix_web::HttpRequest;
use subtle::ConstantTimeEq;

/// Who may call the API.
#[derive(Debug, Clone, Default)]
pub struct Access {
    /// Required token (`Authorization: Bearer T`, or `?token=T` on `/ws`).
    pub token: Option<String>,
    /// Extra allowed WebSocket origins, e.g. `https://desk.example.com`.
    pub allow_origins: Vec<String>,
}

/// Compares without leaking where the strings differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

impl Access {
    /// True when the request carries the token (or none is required).
    pub fn token_ok(&self, req: &HttpRequest, allow_query: bool) -> bool {
        let Some(want) = &self.token else { return true };
        let bearer = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if bearer.is_some_and(|t| same(t.trim(), want)) {
            return true;
        }
        allow_query && url_query(req.query_string(), "token").is_some_and(|t| same(&t, want))
    }

    /// True when a browser's `Origin` is this server or an allowed one.
    /// Requests without `Origin` (not from a browser) pass.
    pub fn origin_ok(&self, req: &HttpRequest) -> bool {
        let Some(origin) = req
            .headers()
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
        else {
            return true;
        };
        if self
            .allow_origins
            .iter()
            .any(|o| o.trim_end_matches('/') == origin)
        {
            return true;
        }
        let host = req.connection_info().host().to_string();
        let bare = origin.split_once("://").map(|(_, h)| h).unwrap_or(origin);
        bare == host
    }
}

/// Reads one parameter from a query string.
pub fn url_query(q: &str, key: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(q)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

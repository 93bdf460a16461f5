//! Access control: an optional bearer token, the Host check against DNS
//! rebinding, and the WebSocket Origin check.

use std::net::{IpAddr, SocketAddr};

use actix_web::http::header;
use actix_web::HttpRequest;
use subtle::ConstantTimeEq;

/// Who may call the API.
#[derive(Debug, Clone, Default)]
pub struct Access {
    /// Required token (`Authorization: Bearer T`, or `?token=T` on `/ws`).
    /// An empty token never matches: [`Access::new`] refuses one.
    pub token: Option<String>,
    /// Extra allowed WebSocket origins, e.g. `https://desk.example.com`.
    /// Their host names are also allowed in `Host`.
    pub allow_origins: Vec<String>,
    /// Host names (without port) served besides the bound address and
    /// `localhost`, e.g. `desk.example.com` behind a proxy.
    pub allow_hosts: Vec<String>,
    /// The address the server listens on; [`crate::server::run`] fills it
    /// in. Unknown (an app mounted with `configure`) or unspecified
    /// (`0.0.0.0`): any IP literal is served.
    pub bound: Option<SocketAddr>,
}

/// Compares without leaking where the strings differ.
fn same(a: &str, b: &str) -> bool {
    !a.is_empty() && a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The host name of a `Host` header or an origin's authority, without port
/// or IPv6 brackets, lower case.
fn host_name(authority: &str) -> String {
    let a = authority.trim();
    let name = if let Some(rest) = a.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else {
        a.rsplit_once(':')
            .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
            .map_or(a, |(h, _)| h)
    };
    name.trim_end_matches('.').to_ascii_lowercase()
}

impl Access {
    /// Access with a token (checked: an empty or blank token is refused, so
    /// a misconfigured `--token ""` cannot open `/ws` to everyone).
    ///
    /// # Errors
    /// A token that is empty or has spaces around or inside.
    ///
    /// ```
    /// use spreadwatch_engine::server::Access;
    /// assert!(Access::new(Some("s3cret".into())).is_ok());
    /// assert!(Access::new(Some("".into())).is_err());
    /// ```
    pub fn new(token: Option<String>) -> Result<Self, String> {
        if let Some(t) = &token {
            if t.is_empty() || t.chars().any(char::is_whitespace) {
                return Err("token: expected a non-empty token without spaces".into());
            }
        }
        Ok(Access {
            token,
            ..Access::default()
        })
    }

    /// True when the request carries the token (or none is required). The
    /// scheme `Bearer` is matched in any case, as RFC 7235 says.
    pub fn token_ok(&self, req: &HttpRequest, allow_query: bool) -> bool {
        let Some(want) = &self.token else { return true };
        let bearer = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t);
        if bearer.is_some_and(|t| same(t.trim(), want)) {
            return true;
        }
        allow_query && url_query(req.query_string(), "token").is_some_and(|t| same(&t, want))
    }

    /// True when the request's `Host` is one this server answers to: the
    /// bound address, `localhost`, an `--allow-host` name or an
    /// `--allow-origin` host. A page on another domain whose name was
    /// rebound to this machine's address sends its own name, and is refused.
    /// Requests without `Host` (HTTP/1.0 tools, not browsers) pass.
    pub fn host_ok(&self, req: &HttpRequest) -> bool {
        let Some(host) = req.headers().get(header::HOST) else {
            return req.uri().host().is_none_or(|h| self.name_ok(&host_name(h)));
        };
        host.to_str().is_ok_and(|h| self.name_ok(&host_name(h)))
    }

    fn name_ok(&self, name: &str) -> bool {
        if name == "localhost" || self.allow_hosts.iter().any(|h| host_name(h) == name) {
            return true;
        }
        if self.allow_origins.iter().any(|o| {
            let authority = o.split_once("://").map_or(o.as_str(), |(_, a)| a);
            host_name(authority.trim_end_matches('/')) == name
        }) {
            return true;
        }
        let Ok(ip) = name.parse::<IpAddr>() else {
            return false;
        };
        match self.bound.map(|b| b.ip()) {
            None => true,
            Some(b) if b.is_unspecified() => true,
            Some(b) => ip == b || (ip.is_loopback() && b.is_loopback()),
        }
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

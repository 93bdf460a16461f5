//! Client input the server refused, counted by reason for `/metrics` and
//! `/api/status`: a client sending garbage is visible to whoever runs the
//! server, not only to that client.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// Why a client's input was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reject {
    /// A WebSocket message answered with an `error` frame: not JSON, an
    /// unknown type, a binary or fragmented frame, or a request the engine
    /// refused.
    WsMessage,
    /// A WebSocket frame over the size limit (the session is closed).
    WsTooLarge,
    /// A WebSocket client over the message rate (the session is closed).
    WsRateLimited,
    /// An upload over the size limit (413).
    UploadTooLarge,
    /// An upload whose CSV could not be read (400 naming line and column).
    UploadBadCsv,
    /// Any other refused analysis request: its query, form or parameters.
    UploadBadRequest,
    /// An analysis refused because `--max-uploads` already run (503).
    UploadBusy,
}

impl Reject {
    /// Every reason, in the order they are reported.
    pub const ALL: [Reject; 7] = [
        Reject::WsMessage,
        Reject::WsTooLarge,
        Reject::WsRateLimited,
        Reject::UploadTooLarge,
        Reject::UploadBadCsv,
        Reject::UploadBadRequest,
        Reject::UploadBusy,
    ];

    /// Returns the reason's label in metrics and status.
    pub fn label(self) -> &'static str {
        match self {
            Reject::WsMessage => "ws_message",
            Reject::WsTooLarge => "ws_too_large",
            Reject::WsRateLimited => "ws_rate_limited",
            Reject::UploadTooLarge => "upload_too_large",
            Reject::UploadBadCsv => "upload_bad_csv",
            Reject::UploadBadRequest => "upload_bad_request",
            Reject::UploadBusy => "upload_busy",
        }
    }
}

/// One counter per [`Reject`] reason.
#[derive(Debug, Default)]
pub struct Rejects([AtomicU64; Reject::ALL.len()]);

impl Rejects {
    /// Counts one refusal.
    pub fn count(&self, r: Reject) {
        self.0[r as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// Returns the count for one reason.
    pub fn get(&self, r: Reject) -> u64 {
        self.0[r as usize].load(Ordering::Relaxed)
    }

    /// Returns every reason's count, by label.
    pub fn by_label(&self) -> BTreeMap<String, u64> {
        Reject::ALL
            .iter()
            .map(|&r| (r.label().to_string(), self.get(r)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_reason_has_its_own_counter() {
        let r = Rejects::default();
        r.count(Reject::WsMessage);
        r.count(Reject::UploadBadCsv);
        r.count(Reject::UploadBadCsv);
        assert_eq!(r.get(Reject::WsMessage), 1);
        assert_eq!(r.get(Reject::UploadBadCsv), 2);
        assert_eq!(r.get(Reject::WsRateLimited), 0);
        let all = r.by_label();
        assert_eq!(all.len(), Reject::ALL.len());
        assert_eq!(all["upload_bad_csv"], 2);
        // The array index is the discriminant: the order must match.
        for (i, r) in Reject::ALL.iter().enumerate() {
            assert_eq!(*r as usize, i);
        }
    }
}

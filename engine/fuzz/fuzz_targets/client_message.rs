//! Any bytes as a WebSocket client message: decoding never panics, and a
//! decoded parameter patch either validates or is refused with a reason.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spreadwatch_proto::{ClientMsg, PairParams};

fuzz_target!(|data: &[u8]| {
    if let Ok(ClientMsg::SetParams { params, .. }) = serde_json::from_slice::<ClientMsg>(data) {
        let p = params.apply(PairParams::default());
        if let Err(reason) = p.validate() {
            assert!(!reason.is_empty());
        }
    }
});

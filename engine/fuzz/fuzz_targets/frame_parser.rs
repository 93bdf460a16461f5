//! Any bytes as a Binance frame: parsing never panics, and an accepted trade
//! is sane.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spreadwatch_engine::sources::frame::{parse_frame, Frame};

fuzz_target!(|data: &[u8]| {
    if let Frame::Trade(t) = parse_frame(data) {
        assert!(t.tick.price.is_positive());
        assert!(t.tick.qty.units() >= 0);
        assert!(t.tick.count >= 1);
        assert!(t.tick.last_id() >= t.tick.first_id);
    }
});

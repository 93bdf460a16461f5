//! The stored tick-chunk decoder and the format check: no input may panic, and a
//! decoded tick encodes back to a record that decodes to the same tick.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spreadwatch_engine::persist::codec::{check_format, decode_chunk, encode_chunk};

fuzz_target!(|data: &[u8]| {
    let _ = check_format(data);
    if let Ok(ticks) = decode_chunk(data) {
        assert_eq!(decode_chunk(&encode_chunk(&ticks)).ok(), Some(ticks));
    }
});

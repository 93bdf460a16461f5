//! The snapshot decoders: stored tick chunks, the format check and a pair's
//! saved estimator state. No input may panic; a decoded tick encodes back to
//! a record that decodes to the same tick; a decoded pair state can be used
//! (committed to, evaluated) and encodes back to one that decodes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spreadwatch_engine::actors::PairCheckpoint;
use spreadwatch_engine::persist::codec::{check_format, decode_chunk, encode_chunk};

fuzz_target!(|data: &[u8]| {
    let _ = check_format(data);
    if let Ok(ticks) = decode_chunk(data) {
        assert_eq!(decode_chunk(&encode_chunk(&ticks)).ok(), Some(ticks));
    }
    if let Ok(cp) = PairCheckpoint::decode(data) {
        let bytes = cp.encode().expect("a decoded checkpoint encodes");
        assert!(PairCheckpoint::decode(&bytes).is_ok());
        let mut s = cp.state().clone();
        let _ = s.provisional(1_700_000_000_000, 100.0, 50.0);
        let _ = s.commit(1_700_000_001_000, 100.5, 50.25);
        let _ = s.heavy_input();
        let _ = (s.latest(), s.chart().count());
    }
});

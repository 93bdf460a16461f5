//! Actix actors: thin shells that own the pure state in [`crate::core`].
//!
//! One [`SymbolActor`] per symbol keeps the tick ring, the bars and the
//! price filter. The [`Registry`] creates them on demand and routes ticks.

pub mod events;
pub mod pair;
pub mod registry;
pub mod scanner;
pub mod symbol;

pub use events::{EngineEvent, Events, Tap, Update};
pub use pair::checkpoint::PairCheckpoint;
pub use pair::messages::{
    GetCheckpoint, GetPair, PairSnapshot, Recompute, RestoreCheckpoint, SetParams,
};
pub use pair::PairActor;
pub use registry::{Ingest, Registry, SymbolConfig};
pub use symbol::messages::{GetBars, TickBatch};
pub use symbol::SymbolActor;

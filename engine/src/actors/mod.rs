//! Actix actors: thin shells that own the pure state in [`crate::core`].
//!
//! One [`SymbolActor`] per symbol keeps the tick ring, the bars and the
//! price filter. The [`Registry`] creates them on demand and routes ticks.

pub mod events;
pub mod messages;
pub mod pair;
pub mod registry;
pub mod symbol;

pub use events::{Events, Tap};
pub use messages::{EngineEvent, GetBars, SymbolSnapshot, TickBatch, Update};
pub use pair::{
    GetCheckpoint, GetPair, PairActor, PairCheckpoint, PairSnapshot, Recompute, RestoreCheckpoint,
    SetParams,
};
pub use registry::{Ingest, Registry, SymbolConfig};
pub use symbol::SymbolActor;

//! What a careless or hostile client or operator tries (issue: hardening):
//! each refusal is clear, counted and bounded.

mod access;
mod restart;
mod sessions;
mod upload_memory;
mod uploads;

//! What the adapters' tests and the shared suite share, so that each lives
//! once: the example policies and their variants ([`policies`]), and a plain
//! HTTP client for servers on loopback ([`client`]).
//!
//! Never published: the adapters take it as a path dev-dependency, which
//! `cargo package` leaves out.

pub mod client;
pub mod policies;

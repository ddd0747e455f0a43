//! Helpers shared by the test modules. The loopback HTTP server they use besides httpmock is
//! the crate's own `genauth::testing::MockApi` (raw mode for faults); the servers of other
//! protocols (WebSocket, TLS) are here or in the module that needs them.

pub mod alone;
pub mod calls;
pub mod capture;
pub mod tls;
